import { startTestServer, TestServer } from './support/server';
import { spentLongAgo } from './support/sessions';

/** Login, `me`, refresh rotation with reuse detection, and logout, over real HTTP on a real PostgreSQL. */
describe('auth', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const refresh = (refreshToken: string) => server.request('POST', '/api/auth/refresh', { body: { refreshToken } });
  const me = (token: string) => server.request('GET', '/api/auth/me', { token });

  describe('login', () => {
    it('accepts the username in any case and answers the contract shape', async () => {
      const res = await server.request('POST', '/api/auth/login', { body: { username: 'ALICE', password: 'herald-demo' } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
        user: { id: expect.stringMatching(/^\d+$/), username: 'alice', displayName: 'Alice (Sales)', roles: ['sales'] },
      });
      expect((await me(res.body.accessToken)).body.username).toBe('alice');
    });

    it('refuses a wrong password with 401 invalid_credentials', async () => {
      const res = await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong-password' } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Wrong username or password.', code: 'invalid_credentials', requestId: expect.any(String) });
    });

    it('refuses an unknown user with the same 401 as a wrong password (no user enumeration)', async () => {
      const res = await server.request('POST', '/api/auth/login', { body: { username: 'nobody', password: 'herald-demo' } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Wrong username or password.', code: 'invalid_credentials', requestId: expect.any(String) });
    });
  });

  describe('me', () => {
    it('returns the caller as the database has it', async () => {
      const { accessToken, user } = await server.login('bob');
      const res = await me(accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: user.id,
        username: 'bob',
        displayName: 'Bob (Warehouse)',
        roles: ['warehouse'],
        disabled: false,
        email: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('needs a token: 401 missing_token', async () => {
      const res = await server.request('GET', '/api/auth/me');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('missing_token');
    });
  });

  describe('refresh', () => {
    it('rotates: the new pair works and the old refresh token is spent', async () => {
      const first = await server.login('carol');
      const second = await refresh(first.refreshToken);
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
      expect(second.body.refreshToken).not.toBe(first.refreshToken);
      expect((await me(second.body.accessToken)).status).toBe(200);
      // Spending the new one works too: rotation continues down the family.
      const third = await refresh(second.body.refreshToken);
      expect(third.status).toBe(200);
      expect((await me(third.body.accessToken)).status).toBe(200);
    });

    it('treats reuse of a spent token (past the grace of two tabs racing) as theft: 401, and the whole family and its access tokens die', async () => {
      const first = await server.login('dave');
      const second = await refresh(first.refreshToken);
      expect(second.status).toBe(200);
      await spentLongAgo(server, first.user.id);

      const reuse = await refresh(first.refreshToken);
      expect(reuse.status).toBe(401);
      expect(reuse.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'invalid_token' });
      expect(reuse.body.message).toMatch(/already used/);

      // The newer token of the same family no longer works…
      const newer = await refresh(second.body.refreshToken);
      expect(newer.status).toBe(401);
      // …nor do the access tokens issued in that family.
      expect((await me(second.body.accessToken)).status).toBe(401);
      expect((await me(first.accessToken)).status).toBe(401);
      // Logging in again starts a fresh session.
      const again = await server.login('dave');
      expect((await me(again.accessToken)).status).toBe(200);
    });

    it('lets exactly one of several concurrent refreshes with one token win; the others are told they raced and nothing is revoked', async () => {
      const { refreshToken } = await server.login('erin');
      const results = await Promise.all(Array.from({ length: 5 }, () => refresh(refreshToken)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('refresh_token_raced');
      const winner = results.find((r) => r.status === 200)!;
      expect((await refresh(winner.body.refreshToken)).status).toBe(200);
    });

    it('refuses an unknown refresh token with 401 and leaves other sessions alone', async () => {
      const { accessToken } = await server.login('alice');
      const res = await refresh('hrt_this-token-was-never-issued');
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/log in again/);
      expect((await me(accessToken)).status).toBe(200);
    });
  });

  describe('logout', () => {
    it('answers 204 and ends this session only: its tokens are refused, the other session goes on', async () => {
      const session = await server.login('erin');
      const other = await server.login('erin');
      const res = await server.request('POST', '/api/auth/logout', { token: session.accessToken });
      expect(res.status).toBe(204);
      expect((await me(session.accessToken)).status).toBe(401);
      expect((await refresh(session.refreshToken)).status).toBe(401);
      expect((await me(other.accessToken)).status).toBe(200);
      expect((await refresh(other.refreshToken)).status).toBe(200);
    });

    it('logout-all answers 204, revokes every refresh token and refuses every access token afterwards', async () => {
      const session = await server.login('erin');
      const other = await server.login('erin');
      const res = await server.request('POST', '/api/auth/logout-all', { token: session.accessToken });
      expect(res.status).toBe(204);
      expect((await me(session.accessToken)).status).toBe(401);
      expect((await me(other.accessToken)).status).toBe(401);
      expect((await refresh(session.refreshToken)).status).toBe(401);
      expect((await refresh(other.refreshToken)).status).toBe(401);
      // The user can log in again.
      const again = await server.login('erin');
      expect((await me(again.accessToken)).status).toBe(200);
    });

    it('needs a token', async () => {
      const res = await server.request('POST', '/api/auth/logout');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('missing_token');
    });
  });
});
