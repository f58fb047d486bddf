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

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await server.request('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /api/nope' });
  });
});
