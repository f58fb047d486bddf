import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { startTestServer, TEST_JWT_SECRET, TestServer } from './support/server';

/**
 * Every bad input of the foundation gets a clear 4xx in the one error shape, and changes nothing.
 * Rate limits are raised so that the many login attempts here are not throttled.
 */
describe('bad input', () => {
  let server: TestServer;
  let db: Client;
  let admin: string;
  let alice: { id: string; token: string };
  beforeAll(async () => {
    server = await startTestServer({ env: { LOGIN_RATE_PER_USER: '1000', LOGIN_RATE_PER_IP: '1000' } });
    db = new Client({ connectionString: server.db.url });
    await db.connect();
    admin = (await server.login('admin')).accessToken;
    const login = await server.login('alice');
    alice = { id: login.user.id, token: login.accessToken };
  });
  afterAll(async () => {
    await db?.end();
    await server?.stop();
  });

  /** The users table as it is, password hashes and session epochs included. */
  const usersTable = async () => (await db.query('SELECT * FROM users ORDER BY id')).rows;

  function expectError(res: { status: number; body: unknown }, status: number, message?: RegExp) {
    expect(res.status).toBe(status);
    const body = res.body as Record<string, unknown>;
    // code and requestId always; field, rule, limit and errors on 400s about a field (issue 9).
    const extra = ['code', 'requestId', 'field', 'rule', 'limit', 'errors'];
    expect(Object.keys(body).filter((k) => !extra.includes(k)).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(typeof body.code).toBe('string');
    expect(body.statusCode).toBe(status);
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
    if (message) expect(body.message).toMatch(message);
  }

  const me = (headers: Record<string, string>) => server.request('GET', '/api/auth/me', { headers });

  describe('request bodies', () => {
    it('names missing fields', async () => {
      const res = await server.request('POST', '/api/auth/login', { body: {} });
      expectError(res, 400, /username: .*password: /);
      expectError(await server.request('POST', '/api/users', { token: admin, body: { username: 'nina' } }), 400, /password: .*roles: /);
      expectError(await server.request('POST', '/api/auth/refresh', { body: {} }), 400, /refreshToken: /);
    });

    it('names unknown extra fields', async () => {
      const res = await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'herald-demo', isAdmin: true } });
      expectError(res, 400, /isAdmin: unknown field/);
      const patch = await server.request('PATCH', `/api/users/${alice.id}`, { token: admin, body: { sessionEpoch: 0, passwordHash: 'x' } });
      expectError(patch, 400, /sessionEpoch: unknown field.*passwordHash: unknown field/);
    });

    it('names fields of the wrong type', async () => {
      expectError(await server.request('POST', '/api/auth/login', { body: { username: 42, password: ['herald-demo'] } }), 400, /username: must be a string.*password: must be a string/);
      expectError(await server.request('PATCH', `/api/users/${alice.id}`, { token: admin, body: { disabled: 'yes' } }), 400, /disabled: must be a boolean/);
      expectError(await server.request('PATCH', `/api/users/${alice.id}`, { token: admin, body: { roles: 'admin' } }), 400, /roles: /);
      expectError(await server.request('POST', '/api/auth/refresh', { body: { refreshToken: { $ne: null } } }), 400, /refreshToken: must be a string/);
    });

    it('refuses a body that is not a JSON object', async () => {
      for (const body of ['[]', 'null', '"alice"', '42']) {
        expectError(await server.request('POST', '/api/auth/login', { body }), 400);
      }
      // Not JSON at all: nothing is parsed, so the fields are missing.
      const text = await server.request('POST', '/api/auth/login', { body: 'username=alice&password=herald-demo', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expectError(text, 400, /username: /);
    });

    it('refuses a 10,000-character username', async () => {
      const long = 'a'.repeat(10_000);
      expectError(await server.request('POST', '/api/auth/login', { body: { username: long, password: 'herald-demo' } }), 400, /username: must be shorter than or equal to 64 characters/);
      expectError(await server.request('POST', '/api/users', { token: admin, body: { username: long, password: 'long-password', roles: ['staff'] } }), 400, /username/);
      expectError(await server.request('PATCH', `/api/users/${alice.id}`, { token: admin, body: { displayName: long } }), 400, /displayName/);
    });

    it('refuses a body over 256 KB with 413', async () => {
      const res = await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'x'.repeat(300 * 1024) } });
      expectError(res, 413, /larger than the limit/);
      // Just under the limit is parsed and validated normally.
      expectError(await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'x'.repeat(200 * 1024) } }), 400, /password/);
    });

    it('refuses malformed JSON with 400', async () => {
      expectError(await server.request('POST', '/api/auth/login', { body: '{"username": "alice", "password": ' }), 400, /not valid JSON/);
      expectError(await server.request('POST', '/api/users', { token: admin, body: "{username: 'x'}" }), 400, /not valid JSON/);
    });

    it('refuses an :id that is not a positive integer with 400 before any query runs', async () => {
      for (const id of ['abc', '1.5', '-1', '0', '1e3', '99999999999999999999', "1'%20OR%20'1'='1", '1;DROP%20TABLE%20users']) {
        expectError(await server.request('PATCH', `/api/users/${id}`, { token: admin, body: { displayName: 'x' } }), 400, /^id: must be a positive integer/);
      }
    });
  });

  describe('tokens', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const claims = () => ({ sub: alice.id, ver: 0, iss: 'herald', aud: 'herald', iat: now(), exp: now() + 600, jti: 'x' });
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

    it('accepts a token made with the right secret and claims (so the refusals below are about what they vary)', async () => {
      const token = jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS256' });
      expect((await me({ authorization: `Bearer ${token}` })).status).toBe(200);
      // The scheme name is case-insensitive.
      expect((await me({ authorization: `bearer ${token}` })).status).toBe(200);
    });

    it('refuses an alg:none token', async () => {
      const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
      expectError(await me({ authorization: `Bearer ${token}` }), 401);
      expect((await me({ authorization: `Bearer ${token}` })).body.code).toBe('invalid_token');
    });

    it('refuses a token signed with another secret, or with another algorithm', async () => {
      const other = jwt.sign(claims(), 'another-secret-that-is-at-least-32-bytes!!', { algorithm: 'HS256' });
      const res = await me({ authorization: `Bearer ${other}` });
      expectError(res, 401);
      expect(res.body.code).toBe('invalid_token');
      const hs512 = jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS512' });
      expect((await me({ authorization: `Bearer ${hs512}` })).body.code).toBe('invalid_token');
    });

    it('refuses a token of another issuer or audience', async () => {
      for (const change of [{ iss: 'someone-else' }, { aud: 'another-app' }]) {
        const token = jwt.sign({ ...claims(), ...change }, TEST_JWT_SECRET, { algorithm: 'HS256' });
        expect((await me({ authorization: `Bearer ${token}` })).body.code).toBe('invalid_token');
      }
    });

    it('refuses an expired token with 401 token_expired', async () => {
      const token = jwt.sign({ ...claims(), iat: now() - 1000, exp: now() - 60 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
      const res = await me({ authorization: `Bearer ${token}` });
      expectError(res, 401, /expired/);
      expect(res.body.code).toBe('token_expired');
    });

    it('refuses malformed Authorization headers with 401 and says what is expected', async () => {
      const good = jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS256' });
      for (const header of ['Bearer', 'Bearer ', `Basic ${good}`, `Bearer  ${good}`, `Bearer ${good} extra`, 'Bearer not-a-jwt', `Token ${good}`, good, 'Bearer a.b.c.d']) {
        const res = await me({ authorization: header });
        expectError(res, 401);
        expect(res.body.code).toBe('invalid_token');
      }
      const res = await me({ authorization: 'Basic YWxpY2U6aGVyYWxkLWRlbW8=' });
      expect(res.body.message).toMatch(/Bearer <token>/);
    });
  });

  describe('SQL-looking strings', () => {
    const sql = ["' OR '1'='1", "alice'--", "'; DROP TABLE users; --", 'admin" OR 1=1 --', "1); UPDATE users SET roles = '{admin}'; --"];

    it('in every field get a 4xx and leave the users table as it was', async () => {
      const before = await usersTable();
      for (const s of sql) {
        const answers = [
          await server.request('POST', '/api/auth/login', { body: { username: s, password: 'herald-demo' } }),
          await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: s } }),
          await server.request('POST', '/api/auth/refresh', { body: { refreshToken: s } }),
          await server.request('POST', '/api/users', { token: admin, body: { username: s, password: 'valid-password', roles: ['staff'] } }),
          await server.request('POST', '/api/users', { token: admin, body: { username: 'oscar', password: 'valid-password', roles: [s] } }),
          await server.request('PATCH', `/api/users/${encodeURIComponent(s)}`, { token: admin, body: { displayName: 'x' } }),
          await server.request('PATCH', `/api/users/${alice.id}`, { token: admin, body: { roles: [s] } }),
          await me({ authorization: `Bearer ${s}` }),
        ];
        for (const res of answers) {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expectError(res, res.status);
        }
      }
      expect(await usersTable()).toEqual(before);
    });

    it('where accepted (a display name or a password), are stored and used literally', async () => {
      const name = "Robert'); DROP TABLE users; --";
      const password = "' OR '1'='1' --";
      const created = await server.request('POST', '/api/users', { token: admin, body: { username: 'bobby', password, displayName: name, roles: ['staff'] } });
      expect(created.status).toBe(201);
      expect(created.body.displayName).toBe(name);
      expect((await server.login('bobby', password)).user.displayName).toBe(name);
      expect((await server.request('POST', '/api/auth/login', { body: { username: 'bobby', password: "' OR 1=1 --" } })).status).toBe(401);
      expect((await db.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(7);
    });
  });
});
