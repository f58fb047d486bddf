/**
 * The bench's own database: a fresh one on the real PostgreSQL (dropped at the end), or the
 * embedded one (PGlite in a child process) when no PostgreSQL answers. Also the shortcuts that make
 * 1,000 users cheap: one shared password hash inserted with SQL, access tokens minted locally.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { firstJsonLine, startChild } from './processes';
import { postgresReachable } from '../libs/database/src/reachable';

export interface BenchDatabase {
  url: string;
  /** True when PostgreSQL was unreachable and the embedded database stands in. */
  embedded: boolean;
  drop(): Promise<void>;
}

export interface BenchUser {
  id: string;
  sessionEpoch: number;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `herald_bench_<pid>` on the PostgreSQL at `adminUrl`, or the embedded database if that is unreachable. */
export async function createBenchDatabase(adminUrl: string, repoRoot: string): Promise<BenchDatabase> {
  if (await postgresReachable(adminUrl)) {
    const name = `herald_bench_${process.pid}`;
    await withClient(adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${name}`);
    });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    let dropped = false;
    return {
      url: url.toString(),
      embedded: false,
      async drop() {
        if (dropped) return;
        dropped = true;
        await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-db-'));
  const child = startChild(join(repoRoot, 'scripts', 'embedded-database.js'), { ...process.env }, 'embedded-db', 'json', [dir]);
  let url: string;
  try {
    ({ url } = await firstJsonLine<{ url: string }>(child, 'the embedded database', 60_000));
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    embedded: true,
    async drop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Inserts `count` users with role `sales` (so they belong to the `orders` room), all with the
 * password hash of the seeded demo user `alice` (scrypt 1,000 times would take a minute or more).
 */
export async function insertSalesUsers(client: Client, prefix: string, count: number): Promise<BenchUser[]> {
  const { rows: demo } = await client.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = 'alice'`);
  if (!demo.length) throw new Error('The demo user alice is missing: Herald must run with DEMO_SEED=true for the bench.');
  const { rows } = await client.query<{ id: string; session_epoch: number }>(
    `INSERT INTO users (username, display_name, password_hash, roles)
     SELECT $1 || lpad(g::text, 6, '0'), 'Bench user ' || g, $2, ARRAY['sales']
       FROM generate_series(1, $3::int) g
     RETURNING id::text, session_epoch`,
    [prefix, demo[0].password_hash, count],
  );
  return rows.map((r) => ({ id: r.id, sessionEpoch: r.session_epoch })).sort((a, b) => Number(a.id) - Number(b.id));
}

/** An access token as Herald issues it (HS256, iss/aud `herald`, `ver` = the session epoch). */
export function mintAccessToken(secret: string, user: BenchUser, ttlSeconds: number): string {
  return jwt.sign({ ver: user.sessionEpoch }, secret, {
    algorithm: 'HS256',
    subject: user.id,
    issuer: 'herald',
    audience: 'herald',
    expiresIn: ttlSeconds,
  });
}
