import { startTestServer, TestServer } from './support/server';

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
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /api/nope' });
  });
});

describe('health with Redis (REDIS_URL)', () => {
  it('reports Redis in readiness, and answers 503 naming it when Redis stops answering', async () => {
    // A Redis of this test alone, so that stopping it disturbs no one else.
    const { spawn } = await import('node:child_process');
    const { freePort } = await import('./support/built-server');
    const port = await freePort();
    const startRedis = (p: number) => spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let redis = startRedis(port);
    const redisExited = new Promise((r) => redis.once('exit', r));
    try {
      await waitForRedis(port);
      const server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: `herald-health-${process.pid}` } });
      try {
        const up = await server.request('GET', '/health/ready');
        expect(up.status).toBe(200);
        expect(up.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });

        redis.kill('SIGKILL');
        await redisExited;
        const down = await server.request('GET', '/health/ready');
        expect(down.status).toBe(503);
        expect(down.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(/^Not ready: redis \(.+\) is down\.$/) });
        // Liveness is unaffected: the process itself is fine.
        expect((await server.request('GET', '/health')).status).toBe(200);

        // Redis back on the same port: the instance reconnects and is ready again.
        redis = startRedis(port);
        await waitForRedis(port);
        await expectEventually(async () => (await server.request('GET', '/health/ready')).status === 200);
      } finally {
        await server.stop();
      }
    } finally {
      if (redis.exitCode === null) redis.kill('SIGKILL');
    }
  }, 60_000);
});

async function waitForRedis(port: number): Promise<void> {
  const { createConnection } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server on port ${port} did not start`);
}

async function expectEventually(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
