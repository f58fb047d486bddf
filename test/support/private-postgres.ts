import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './built-server';

const run = promisify(execFile);
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';

export interface PrivatePostgres {
  port: number;
  /** URL of the `herald` database on it (user postgres, trust). */
  url: string;
  readonly running: boolean;
  /** Starts (or restarts) the server; resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are ended (57P01), as in an operator's restart. */
  stop(): Promise<void>;
  /** Stops the server if running and deletes its data folder. */
  destroy(): Promise<void>;
}

/**
 * Why a private PostgreSQL cannot run here (binaries or the postgres OS user missing), or undefined
 * when it can. In CI a missing binary is an error, never a skip.
 */
export function privatePostgresUnavailable(): string | undefined {
  let reason: string | undefined;
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'pg_ctl'))) reason = `initdb/pg_ctl not found in ${BIN} (set PG_BIN)`;
  else if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) reason = 'runuser is missing (needed to run PostgreSQL as the postgres user)';
  if (reason && inCi) throw new Error(`${reason}, and CI requires it.`);
  return reason;
}

/** Runs a PostgreSQL binary as the postgres OS user when we are root (PostgreSQL refuses to run as root). */
function pg(binary: string, args: string[], timeoutMs = 30_000) {
  const path = join(BIN, binary);
  if (process.getuid?.() === 0) return run('runuser', ['-u', OS_USER, '--', path, ...args], { timeout: timeoutMs });
  return run(path, args, { timeout: timeoutMs });
}

/** A PostgreSQL server of one test alone: initdb into a temporary folder, pg_ctl on a free port. */
export async function privatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'herald-pg-'));
  const data = join(root, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', OS_USER]);
    const { stdout: gid } = await run('id', ['-g', OS_USER]);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  chmodSync(root, 0o700);
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  let running = false;
  const server: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/herald`,
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      // No unix socket (the folder may not be writable), fsync off: a test server, fast to start and stop.
      const options = `-p ${port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
      await pg('pg_ctl', ['-D', data, '-l', join(root, 'log'), '-o', options, '-w', '-t', '30', 'start']);
      running = true;
    },
    async stop() {
      if (!running) return;
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      running = false;
    },
    async destroy() {
      try {
        if (running) await server.stop();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
  try {
    await server.start();
    const admin = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE herald');
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return server;
}
