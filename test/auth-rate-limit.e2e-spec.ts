import { startTestServer, TestServer } from './support/server';

/** Login attempts are limited per username and per client address: 429 with Retry-After. */
describe('login rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { LOGIN_RATE_PER_USER: '3', LOGIN_RATE_PER_IP: '8' } });
  });
  afterAll(() => server?.stop());

  const attempt = (username: string, password = 'wrong-password') =>
    server.request('POST', '/api/auth/login', { body: { username, password } });

  function expectLimited(res: Awaited<ReturnType<typeof attempt>>, what: RegExp) {
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringMatching(what), code: 'too_many_requests', requestId: expect.any(String) });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  }

  it('limits attempts per username (in any case), even with the right password, without touching other users', async () => {
    // 1 + 2 + the 4th = 4 address hits so far.
    expect((await attempt('alice')).status).toBe(401);
    expect((await attempt('Alice')).status).toBe(401);
    expect((await attempt('ALICE')).status).toBe(401);
    expectLimited(await attempt('alice', 'herald-demo'), /for this username/);
    // Another username from the same address is still allowed (5th address hit).
    expect((await attempt('bob', 'herald-demo')).status).toBe(200);
  });

  it('limits attempts per client address across usernames', async () => {
    // Hits 6, 7, 8 are allowed; the 9th is over LOGIN_RATE_PER_IP=8.
    for (const name of ['carol', 'dave', 'erin']) expect((await attempt(name)).status).toBe(401);
    expectLimited(await attempt('admin', 'herald-demo'), /from this address/);
  });

  it('does not limit other routes', async () => {
    for (let i = 0; i < 5; i++) expect((await server.request('GET', '/health')).status).toBe(200);
  });
});

describe('login rate limit behind a reverse proxy (TRUST_PROXY)', () => {
  const attemptFrom = (server: TestServer, forwardedFor: string) =>
    server.request('POST', '/api/auth/login', {
      body: { username: `user-${forwardedFor}`, password: 'wrong-password' },
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('with TRUST_PROXY=1 limits each forwarded client address separately', async () => {
    const server = await startTestServer({ env: { TRUST_PROXY: '1', LOGIN_RATE_PER_IP: '2' } });
    try {
      expect((await attemptFrom(server, '203.0.113.1')).status).toBe(401);
      expect((await attemptFrom(server, '203.0.113.1')).status).toBe(401);
      expect((await attemptFrom(server, '203.0.113.1')).status).toBe(429);
      expect((await attemptFrom(server, '203.0.113.2')).status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it('by default ignores X-Forwarded-For, so a client cannot dodge the limit by forging it', async () => {
    const server = await startTestServer({ env: { LOGIN_RATE_PER_IP: '2' } });
    try {
      expect((await attemptFrom(server, '203.0.113.1')).status).toBe(401);
      expect((await attemptFrom(server, '203.0.113.2')).status).toBe(401);
      expect((await attemptFrom(server, '203.0.113.3')).status).toBe(429);
    } finally {
      await server.stop();
    }
  });
});
