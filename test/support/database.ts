import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { postgresReachable } from '@herald/database/reachable';

export interface TestDatabase {
  /** URL of a fresh, empty database of this test file alone. */
  url: string;
  /** True when no PostgreSQL was reachable and the embedded database stands in. */
  embedded: boolean;
  drop(): Promise<void>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const inCi = process.env.CI === 'true' || process.env.CI === '1';

let announced = false;

/**
 * A database of its own for one test file: a new database on the real PostgreSQL at
 * TEST_DATABASE_URL, dropped afterwards. Where none is reachable (outside CI) the embedded
 * database stands in, and the run says so.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (await postgresReachable(TEST_DATABASE_URL)) {
    const name = `herald_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      embedded: false,
      async drop() {
        const c = new Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }
  if (inCi) throw new Error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL}, and CI requires it (no fallback in CI).`);
  if (!announced) {
    announced = true;
    process.stderr.write(`[herald tests] PostgreSQL not reachable at ${TEST_DATABASE_URL}: falling back to the embedded database (PGlite).\n`);
  }
  return startEmbeddedInChild();
}

const ROOT = join(__dirname, '..', '..');

/**
 * PGlite's WebAssembly loader cannot run inside Jest's module system, so the fallback database runs
 * in a child process from the built code (the test command builds first).
 */
async function startEmbeddedInChild(): Promise<TestDatabase> {
  if (!existsSync(join(ROOT, 'dist/libs/database/src/embedded-database.js'))) {
    throw new Error('The embedded-database fallback needs the built code: run `npm run build` first (npm test does).');
  }
  const dir = mkdtempSync(join(tmpdir(), 'herald-test-db-'));
  const child = spawn(process.execPath, [join(ROOT, 'scripts/embedded-database.js'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolveUrl((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`embedded database exited with code ${code}`)));
  });
  return {
    url,
    embedded: true,
    async drop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether Redis answers at REDIS_URL (default the local one); tests that need it skip with a reason otherwise. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
