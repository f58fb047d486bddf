import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { builtServerEntry } from './support/built-server';
import { createTestDatabase, TestDatabase } from './support/database';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/**
 * The migration CLI the README documents (`npm run migration:run / :revert / :generate`, which build
 * and then call the TypeORM CLI on the same DataSource as the server), on a real PostgreSQL.
 */
describe('migrations from the command line', () => {
  let db: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    builtServerEntry();
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  }, 180_000);
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const typeorm = (...args: string[]) =>
    run(process.execPath, [join(ROOT, 'node_modules/typeorm/cli.js'), ...args, '-d', join(ROOT, 'dist/apps/server/src/data-source.js')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url },
    });
  const tables = async () =>
    (await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.tablename as string);
  const applied = async () => (await client.query('SELECT name FROM migrations ORDER BY id')).rows.map((r) => r.name as string);

  it('runs every migration, reverts each one back to an empty schema, and runs them again', async () => {
    if (db.embedded) {
      process.stderr.write('[herald tests] the migration CLI needs PostgreSQL: checked only against PostgreSQL\n');
      return;
    }
    await typeorm('migration:run');
    const names = await applied();
    expect(names[0]).toBe('CreateUsersAndRefreshTokens1763770000000');
    expect(await tables()).toEqual(expect.arrayContaining(['migrations', 'refresh_tokens', 'users']));

    for (let i = names.length - 1; i >= 0; i--) {
      await typeorm('migration:revert');
      expect(await applied()).toEqual(names.slice(0, i));
    }
    expect(await tables()).toEqual(['migrations']);

    await typeorm('migration:run');
    expect(await applied()).toEqual(names);
  }, 120_000);

  it('generates nothing for the auth tables: their entities match their migration', async () => {
    if (db.embedded) return;
    let output: string;
    try {
      output = (await typeorm('migration:generate', join(ROOT, 'migrations/Unused'), '--dryrun')).stdout;
    } catch (err) {
      // "No changes in database schema were found" exits 1.
      output = (err as { stdout?: string }).stdout ?? '';
    }
    const up = output.includes('async up(') ? output.slice(output.indexOf('async up('), output.indexOf('async down(')) : '';
    expect(up).not.toMatch(/TABLE "(users|refresh_tokens)"|ON "(users|refresh_tokens)"|"public"\."(users|refresh_tokens)_/);
  }, 60_000);
});
