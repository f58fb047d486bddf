import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { createTestDatabase, TestDatabase } from './support/database';
import { builtServerEntry, freePort, runServer, ServerProcess, waitForHealthy } from './support/built-server';
import { DEMO_PASSWORD, TEST_JWT_SECRET } from './support/server';

type Line = Record<string, unknown>;

/**
 * The built server as a child process on a fresh database (so migrations run), LOG_LEVEL=info: every
 * answered request writes one JSON access line with the route pattern, status, duration, user or API
 * key and request id; X-Request-Id is kept when well-formed and returned in the header and error
 * bodies; nothing secret (password, SSE ticket, token) and nothing non-JSON reaches stdout.
 */
describe('access log and request ids', () => {
  let db: TestDatabase;
  let dataDir: string;
  let server: ServerProcess;
  let base: string;

  const lines = (): Line[] =>
    server
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Line];
        } catch {
          return [];
        }
      });
  const accessLines = (requestId: string) => lines().filter((l) => l.access === true && l.requestId === requestId);
  /** The access line is written on 'finish', a moment after the client has the answer. */
  async function accessLineOf(requestId: string): Promise<Line[]> {
    for (let i = 0; i < 50; i++) {
      const found = accessLines(requestId);
      if (found.length) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    return accessLines(requestId);
  }
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    builtServerEntry();
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'herald-access-log-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = runServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      JWT_SECRET: TEST_JWT_SECRET,
      DEMO_SEED: 'true',
      ...(db.embedded ? { DATA_DIR: dataDir } : { DATABASE_URL: db.url }),
    });
    await waitForHealthy(`${base}/health`, server, 100_000);
  }, 180_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a failed login writes one warn line with the route, 401, invalid_credentials, the username and no password', async () => {
    const res = await post('/api/auth/login', { username: 'alice', password: 'wrong-Secret-42' }, { 'X-Request-Id': 'login-fail.1' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('login-fail.1');
    expect(((await res.json()) as { requestId?: string }).requestId).toBe('login-fail.1');
    const found = await accessLineOf('login-fail.1');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 40, method: 'POST', route: '/api/auth/login', status: 401, code: 'invalid_credentials', username: 'alice' });
    expect(typeof found[0].durationMs).toBe('number');
    expect(server.output()).not.toContain('wrong-Secret-42');
  });

  it('a good login writes one info line; a generated id when none is sent', async () => {
    const res = await post('/api/auth/login', { username: 'admin', password: DEMO_PASSWORD });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const found = await accessLineOf(id);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 30, method: 'POST', route: '/api/auth/login', status: 200, username: 'admin' });
    expect(server.output()).not.toContain(DEMO_PASSWORD + '"');
  });

  it('a push writes a line with the API key id, and an authenticated call one with the user id', async () => {
    const login = (await (await post('/api/auth/login', { username: 'admin', password: DEMO_PASSWORD })).json()) as { accessToken: string; user: { id: string } };
    const created = await post('/api/api-keys', { name: 'access-log-test' }, { authorization: `Bearer ${login.accessToken}`, 'X-Request-Id': 'create-key' });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string };
    expect((await accessLineOf('create-key'))[0]).toMatchObject({ route: '/api/api-keys', status: 201, userId: login.user.id });

    const pushed = await post('/api/push', { to: { all: true }, type: 'test.access', title: 'Hello' }, { 'x-api-key': key.key, 'X-Request-Id': 'push-1' });
    expect(pushed.status).toBeLessThan(300);
    const found = await accessLineOf('push-1');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 30, method: 'POST', route: '/api/push', apiKeyId: key.id });
    expect(server.output()).not.toContain(key.key);
  });

  it('requests refused before any route runs (bad JSON, deep JSON, NUL, too large) write one access line each', async () => {
    const cases: Array<[string, string, number]> = [
      ['early.badjson', '{"username": ', 400],
      ['early.deep', '['.repeat(40) + ']'.repeat(40), 400],
      ['early.nul', JSON.stringify({ username: 'a\u0000b', password: 'x' }), 400],
      ['early.large', JSON.stringify({ username: 'x'.repeat(300_000), password: 'x' }), 413],
    ];
    for (const [requestId, body, status] of cases) {
      const res = await fetch(`${base}/api/auth/login?ticket=early-secret`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Request-Id': requestId }, body });
      expect(res.status).toBe(status);
      expect(((await res.json()) as { requestId?: string }).requestId).toBe(requestId);
      const found = await accessLineOf(requestId);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ level: 40, method: 'POST', path: '/api/auth/login', status });
    }
    expect(server.output()).not.toContain('early-secret');
  });

  it('a 404 writes one line with the path but no query string; a malformed X-Request-Id is replaced', async () => {
    const res = await fetch(`${base}/api/nothing/42?token=query-secret`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(res.status).toBe(404);
    const id = res.headers.get('x-request-id')!;
    expect(id).not.toBe('bad id with spaces');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await res.json()) as { requestId?: string }).requestId).toBe(id);
    const found = await accessLineOf(id);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 40, method: 'GET', route: 'unmatched', path: '/api/nothing/42', status: 404 });
    expect(server.output()).not.toContain('query-secret');
    // Too long is malformed too.
    const long = await fetch(`${base}/api/nothing`, { headers: { 'X-Request-Id': 'a'.repeat(129) } });
    expect(long.headers.get('x-request-id')).not.toBe('a'.repeat(129));
  });

  it('an SSE request with ?ticket= logs the route pattern, never the ticket', async () => {
    const res = await fetch(`${base}/api/notifications/stream?ticket=sse-ticket-secret`, { headers: { 'X-Request-Id': 'sse-1' } });
    expect(res.status).toBe(401);
    await res.text();
    const found = await accessLineOf('sse-1');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ route: '/api/notifications/stream', status: 401 });
    expect(server.output()).not.toContain('sse-ticket-secret');
  });

  it('a refused socket handshake writes one line with its code and never the token', async () => {
    const socket = io(base, { transports: ['websocket'], auth: { token: 'not.a-valid.handshake-token' }, reconnection: false });
    const code = await new Promise<unknown>((resolve) => socket.once('connect_error', (err: Error & { data?: { code?: unknown } }) => resolve(err.data?.code)));
    socket.close();
    expect(code).toBe('invalid_token');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !lines().some((l) => l.msg === 'socket handshake refused')) await new Promise((r) => setTimeout(r, 100));
    expect(lines().filter((l) => l.msg === 'socket handshake refused')).toEqual([expect.objectContaining({ code: 'invalid_token', level: 30 })]);
    expect(server.output()).not.toContain('handshake-token');
  });

  it('every line of the output, migrations on a fresh database included, is JSON; /health writes no access line', async () => {
    const raw = server.output().split('\n').filter((l) => l.trim() !== '');
    // The embedded fallback (no PostgreSQL outside CI) prints where its data lives before the logger exists.
    const nonJson = raw.filter((l) => !l.startsWith('{') && !(db.embedded && l.includes('Embedded database')));
    expect(nonJson).toEqual([]);
    expect(lines().some((l) => l.context === 'Migrations')).toBe(true);
    expect(lines().filter((l) => l.access === true && typeof l.route === 'string' && String(l.path ?? l.route).startsWith('/health'))).toEqual([]);
    // No raw request or response objects (headers, cookies) in the access lines.
    for (const line of lines().filter((l) => l.access === true)) {
      expect(line.req).toBeUndefined();
      expect(line.res).toBeUndefined();
    }
  });
});
