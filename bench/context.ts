/** What every scenario of a run shares (database, API key, users, client workers), and connecting sockets through the workers. */
import type { Client } from 'pg';
import type { BenchConfig } from './config';
import { mintAccessToken, type BenchDatabase, type BenchUser } from './database';
import { cpuSeconds } from './processes';
import type { SocketSpec, SystemName } from './protocol';
import type { WorkerPool } from './workers';

export const TOKEN_TTL_SECONDS = 2 * 3600;

export interface BenchContext {
  config: BenchConfig;
  db: BenchDatabase;
  sql: Client;
  /** The run's API key (created on the first Herald instance; every instance on the database accepts it). */
  apiKey: string;
  /** Every Herald instance of the run signs with it, so one minted token works on all of them. */
  jwtSecret: string;
  /** The bench users of the 1,000-socket scenarios (socket index = position in this list). */
  users: BenchUser[];
  workers: WorkerPool;
}

/** The database name whose PostgreSQL backends' CPU counts as Herald's (none with the embedded database). */
export const databaseName = (ctx: BenchContext): string | undefined => (ctx.db.embedded ? undefined : new URL(ctx.db.url).pathname.slice(1));

export const heraldSpecs = (ctx: BenchContext, users: readonly BenchUser[]): SocketSpec[] =>
  users.map((u, index) => ({ index, auth: { token: mintAccessToken(ctx.jwtSecret, u, TOKEN_TTL_SECONDS) } }));

export const baselineSpecs = (users: readonly BenchUser[]): SocketSpec[] => users.map((u, index) => ({ index, auth: { userId: u.id } }));

export interface ConnectSummary {
  /** Socket indices that connected, ascending. */
  indices: number[];
  failed: number;
  /** A few distinct reasons of the failures. */
  errors: string[];
  ms: number;
}

/**
 * Connects `specs` to `url` through the workers and prints how many made it, how fast, and why the
 * others did not; with the server's `pid`, also the server CPU per handshake.
 */
export async function connectSockets(
  workers: WorkerPool,
  system: SystemName,
  url: string,
  specs: SocketSpec[],
  config: BenchConfig,
  label: string = system,
  pid?: number,
): Promise<ConnectSummary> {
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const reports = await workers.connect(system, url, specs, config.connectConcurrency, 20_000);
  const cpu = pid ? cpuSeconds(pid) - cpu0 : NaN;
  const indices = reports.flatMap((r) => r.indices).sort((a, b) => a - b);
  const ms = Math.max(...reports.map((r) => r.ms));
  const failed = reports.reduce((a, r) => a + r.failed, 0);
  const errors = [...new Set(reports.flatMap((r) => r.errors))];
  console.log(
    `Connected ${indices.length.toLocaleString('en-US')}/${specs.length.toLocaleString('en-US')} sockets to ${label} in ${(ms / 1000).toFixed(1)} s` +
      ` (${Math.round(indices.length / (ms / 1000))}/s${pid && indices.length ? `, server CPU ${((1000 * cpu) / indices.length).toFixed(2)} ms per handshake` : ''})${failed ? `; ${failed.toLocaleString('en-US')} FAILED, e.g.: ${errors.join('; ')}` : ''}`,
  );
  return { indices, failed, errors, ms };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
