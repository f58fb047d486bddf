import type { LoginResponse } from '@herald/contracts';
import { RunningHerald, startHerald } from '../../apps/server/src/herald';
import { createTestDatabase, TestDatabase } from './database';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!!';
export const DEMO_PASSWORD = 'herald-demo';

export interface TestServer extends RunningHerald {
  db: TestDatabase;
  /** Logs a demo user in (password `herald-demo`). */
  login(username: string, password?: string): Promise<LoginResponse>;
  /** fetch against the server with JSON in and out; `token` becomes a Bearer header. */
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stops the server; pass keepDatabase to restart another server on the same database. */
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * Boots a real Herald (HTTP + Socket.IO on a free port) on a database of its own, with the demo
 * users seeded. Pass `db` to boot a second instance, or a restarted one, on the same database.
 */
export async function startTestServer(options: { env?: Record<string, string | undefined>; db?: TestDatabase } = {}): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase());
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    DEMO_SEED: 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    DATABASE_URL: db.embedded ? undefined : db.url,
    ...options.env,
  };
  let herald: RunningHerald;
  try {
    herald = await startHerald(env, db.embedded ? { embeddedDatabaseUrl: db.url } : {});
  } catch (err) {
    if (!options.db) await db.drop();
    throw err;
  }
  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const res = await fetch(`${herald.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    ...herald,
    db,
    request,
    async login(username, password = DEMO_PASSWORD) {
      const res = await request('POST', '/api/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as LoginResponse;
    },
    async stop(stopOptions = {}) {
      await herald.close();
      if (!stopOptions.keepDatabase && !options.db) await db.drop();
    },
  };
}

/**
 * Two instances on one fresh database, with the same `env`, for the tests of the describe block it is called in:
 * started before them, stopped after. Read `a` and `b` inside the tests (they are set by then).
 */
export function twoInstances(env: Record<string, string | undefined> = {}): { a: TestServer; b: TestServer } {
  const pair = {} as { a: TestServer; b: TestServer };
  beforeAll(async () => {
    pair.a = await startTestServer({ env });
    pair.b = await startTestServer({ db: pair.a.db, env });
  });
  afterAll(async () => {
    await pair.b?.stop();
    await pair.a?.stop();
  });
  return pair;
}

export const DEMO_USERNAMES = ['admin', 'alice', 'bob', 'carol', 'dave', 'erin'] as const;

/**
 * Logs demo users in and fills `tokens` (access tokens) and `ids` (user ids) by username; the
 * records are filled in place so that tests can declare them once at the top.
 */
export async function loginAll(
  server: TestServer,
  into: { tokens: Record<string, string>; ids: Record<string, string> },
  names: readonly string[] = DEMO_USERNAMES,
): Promise<void> {
  for (const name of names) {
    const login = await server.login(name);
    into.tokens[name] = login.accessToken;
    into.ids[name] = login.user.id;
  }
}
