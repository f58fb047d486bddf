import { startTestServer, TestServer } from './support/server';
import { privateRedis, privateRedisUnavailable } from './support/private-redis';

describe('health', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('answers liveness and readiness with the database up', async () => {
    expect((await server.request('GET', '/health')).body).toEqual({ status: 'ok' });
    const ready = await server.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.database.status).toBe('up');
  });

  it('serves the OpenAPI document publicly, with the auth and user routes in it', async () => {
    const ui = await fetch(`${server.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
    const doc = await server.request('GET', '/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/auth/refresh', '/api/users/{id}', '/health']));
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await server.request('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /api/nope', code: 'not_found', requestId: expect.any(String) });
  });
});

describe('health with Redis (REDIS_URL)', () => {
  it('reports Redis in readiness: up, then degraded (still 200: delivery goes through the database) when Redis stops', async () => {
    // A Redis of this test alone, so that stopping it disturbs no one else.
    const unavailable = privateRedisUnavailable();
    if (unavailable) return void console.warn(`skipped: ${unavailable}`);
    const redis = await privateRedis();
    await redis.start();
    try {
      const server = await startTestServer({ env: { REDIS_URL: redis.url, REDIS_PREFIX: `herald-health-${process.pid}` } });
      try {
        const up = await server.request('GET', '/health/ready');
        expect(up.status).toBe(200);
        expect(up.body).toMatchObject({ status: 'ok', error: {}, details: { database: { status: 'up' }, redis: { status: 'up' } } });

        await redis.kill();
        // The client notices the closed connection within moments.
        await expectEventually(async () => (await server.request('GET', '/health/ready')).body.info?.redis?.status !== 'up', 2000);
        const down = await server.request('GET', '/health/ready');
        expect(down.status).toBe(200);
        expect(down.body).toEqual({
          status: 'degraded',
          info: {
            database: expect.objectContaining({ status: 'up' }),
            redis: { status: 'degraded', message: expect.stringMatching(new RegExp(`^Redis at 127\\.0\\.0\\.1:${redis.port} is not connected, reconnecting; delivery works`)) },
          },
          error: {},
          details: expect.objectContaining({ redis: expect.objectContaining({ status: 'degraded' }) }),
        });
        // Liveness is unaffected: the process itself is fine.
        expect((await server.request('GET', '/health')).status).toBe(200);

        // Redis back on the same port: the instance reconnects and reports it up again.
        await redis.start();
        await expectEventually(async () => (await server.request('GET', '/health/ready')).body.info?.redis?.status === 'up');
        expect((await server.request('GET', '/health/ready')).body.status).toBe('ok');
      } finally {
        await server.stop();
      }
    } finally {
      await redis.kill();
    }
  }, 60_000);
});

async function expectEventually(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
