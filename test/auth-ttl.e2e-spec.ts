import jwt from 'jsonwebtoken';
import { startTestServer, TestServer } from './support/server';

/** Access tokens live ACCESS_TOKEN_TTL seconds (15 minutes unless set); a refresh gets a new one. */
describe('access token lifetime', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ACCESS_TOKEN_TTL: '1' } });
  });
  afterAll(() => server?.stop());

  it('expires after ACCESS_TOKEN_TTL with 401 token_expired, and a refresh brings a working one', async () => {
    const session = await server.login('alice');
    expect(session.expiresIn).toBe(1);
    const claims = jwt.decode(session.accessToken) as { exp: number; iat: number; iss: string; aud: string };
    expect(claims.exp - claims.iat).toBe(1);
    expect(claims).toMatchObject({ iss: 'herald', aud: 'herald' });

    await new Promise((r) => setTimeout(r, 2100));
    const expired = await server.request('GET', '/api/auth/me', { token: session.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ statusCode: 401, code: 'token_expired' });

    const refreshed = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await server.request('GET', '/api/auth/me', { token: refreshed.body.accessToken })).status).toBe(200);
  });

  it('defaults to 15 minutes', async () => {
    const other = await startTestServer({ db: server.db, env: { ACCESS_TOKEN_TTL: undefined } });
    try {
      const { accessToken, expiresIn } = await other.login('bob');
      const claims = jwt.decode(accessToken) as { exp: number; iat: number };
      expect(expiresIn).toBe(900);
      expect(claims.exp - claims.iat).toBe(900);
    } finally {
      await other.stop();
    }
  });
});
