import { Client } from 'pg';
import { runServer } from './support/built-server';
import { createTestDatabase, TestDatabase } from './support/database';
import { startTestServer } from './support/server';

const users = async (url: string) => {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query('SELECT username, roles, password_hash FROM users ORDER BY id')).rows as Array<{ username: string; roles: string[]; password_hash: string }>;
  } finally {
    await db.end();
  }
};

describe('configuration at start-up (the built server)', () => {
  it('refuses NODE_ENV=production without JWT_SECRET: exit 1 and one line naming the variable', async () => {
    const server = runServer({ NODE_ENV: 'production', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/never-used' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toBe('herald: Invalid configuration: JWT_SECRET: is required when NODE_ENV=production (at least 32 bytes)\n');
  }, 180_000);

  it('stops with one line naming the database when DATABASE_URL cannot be used, without its password', async () => {
    const server = runServer({ DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:5432/herald_no_such_database', LOG_LEVEL: 'silent' });
    expect(await server.exited).toBe(1);
    const last = server.output().trim().split('\n').pop();
    // "does not exist" from a running PostgreSQL; "connection refused" (after retries) on a machine without one.
    expect(last).toMatch(
      /^herald: Cannot connect to the database at 127\.0\.0\.1:5432\/herald_no_such_database \((the database does not exist|connection refused: is PostgreSQL running there\?)\)\. Check DATABASE_URL, or unset it to use the embedded database\.$/,
    );
    expect(server.output()).not.toContain('s3cret');
  }, 60_000);

  it('refuses a malformed variable with one line naming it and what it expects', async () => {
    const server = runServer({ PORT: 'eighty' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toBe('herald: Invalid configuration: PORT="eighty": must be an integer number\n');
  }, 60_000);
});

describe('demo users and the first admin', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db?.drop());

  it('seeds the six demo users idempotently: a restart adds no one and changes no password', async () => {
    const first = await startTestServer({ db });
    const carol = await first.login('carol');
    const admin = (await first.login('admin')).accessToken;
    // An admin changes carol's password; the next boot must not put the demo password back.
    expect((await first.request('PATCH', `/api/users/${carol.user.id}`, { token: admin, body: { password: 'carol-own-password' } })).status).toBe(200);
    const before = await users(db.url);
    expect(before.map((u) => u.username)).toEqual(['admin', 'alice', 'bob', 'carol', 'dave', 'erin']);
    await first.stop({ keepDatabase: true });

    const second = await startTestServer({ db });
    try {
      expect(await users(db.url)).toEqual(before);
      await second.login('alice');
      await second.login('carol', 'carol-own-password');
      expect((await second.request('POST', '/api/auth/login', { body: { username: 'carol', password: 'herald-demo' } })).status).toBe(401);
    } finally {
      await second.stop({ keepDatabase: true });
    }
  });

  it('uses DEMO_PASSWORD for the demo users when set', async () => {
    const server = await startTestServer({ db, env: { DEMO_PASSWORD: 'another-demo-pw' } });
    try {
      await server.login('bob', 'another-demo-pw');
      expect((await server.request('POST', '/api/auth/login', { body: { username: 'bob', password: 'herald-demo' } })).status).toBe(401);
    } finally {
      await server.stop({ keepDatabase: true });
    }
  });

  it('seeds nothing with NODE_ENV=production, a DATABASE_URL and no DEMO_SEED', async () => {
    if (db.embedded) {
      // Production requires DATABASE_URL, which the embedded fallback does not give; printed, not hidden.
      process.stderr.write('[herald tests] production seeding check needs PostgreSQL: checked only against PostgreSQL\n');
      return;
    }
    const server = await startTestServer({ db, env: { NODE_ENV: 'production', DEMO_SEED: undefined } });
    try {
      expect(await users(db.url)).toEqual([]);
      expect((await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'herald-demo' } })).status).toBe(401);
    } finally {
      await server.stop({ keepDatabase: true });
    }
  });

  it('creates the first admin from ADMIN_USERNAME/ADMIN_PASSWORD only while there is no admin', async () => {
    const env = { DEMO_SEED: 'false', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'root-password-long' };
    const first = await startTestServer({ db, env });
    const root = await first.login('root', 'root-password-long');
    expect(root.user.roles).toEqual(['admin']);
    expect((await users(db.url)).map((u) => u.username)).toEqual(['root']);
    await first.stop({ keepDatabase: true });

    // An admin exists now: other credentials create no one and leave root's password alone.
    const second = await startTestServer({ db, env: { ...env, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'boss-password-long' } });
    try {
      expect((await users(db.url)).map((u) => u.username)).toEqual(['root']);
      await second.login('root', 'root-password-long');
    } finally {
      await second.stop({ keepDatabase: true });
    }
  });

  it('does not create ADMIN_USERNAME when demo users (with their admin) are already there', async () => {
    const server = await startTestServer({ db });
    await server.stop({ keepDatabase: true });
    const again = await startTestServer({ db, env: { DEMO_SEED: 'false', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'root-password-long' } });
    try {
      expect((await users(db.url)).map((u) => u.username)).not.toContain('root');
    } finally {
      await again.stop({ keepDatabase: true });
    }
  });
});
