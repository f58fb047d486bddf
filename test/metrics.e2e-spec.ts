import { startTestServer, TestServer } from './support/server';

/** GET /metrics: Prometheus text with process metrics and per-route HTTP counts, one registry per app. */
describe('metrics', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer();
    b = await startTestServer();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const scrape = async (server: TestServer) => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  /** The value of one sample line, or undefined when there is none. */
  const sample = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('is public and carries the default process metrics', async () => {
    const text = await scrape(a);
    expect(text).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(text).toMatch(/^# TYPE herald_http_requests_total counter$/m);
    expect(text).toMatch(/^# TYPE herald_http_request_duration_seconds histogram$/m);
  });

  it('counts requests by method, route pattern and final status, and times them', async () => {
    const admin = (await a.login('admin')).accessToken;
    await a.request('GET', '/api/auth/me', { token: admin });
    await a.request('GET', '/api/auth/me', { token: admin });
    await a.request('PATCH', '/api/users/2', { token: admin, body: { displayName: 'Alice A.' } });
    await a.request('PATCH', '/api/users/not-a-number', { token: admin, body: { displayName: 'x' } });
    await a.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong-password' } });
    // Refused before any handler runs: by the guard, by no route at all, by the body limit.
    await a.request('GET', '/api/auth/me');
    await a.request('GET', '/api/no-such-thing');
    await a.request('POST', '/api/auth/login', { body: { username: 'x'.repeat(300 * 1024), password: 'p' } });

    const text = await scrape(a);
    expect(sample(text, 'herald_http_requests_total{method="GET",route="/api/auth/me",status="200"}')).toBe(2);
    expect(sample(text, 'herald_http_requests_total{method="PATCH",route="/api/users/:id",status="200"}')).toBe(1);
    expect(sample(text, 'herald_http_requests_total{method="PATCH",route="/api/users/:id",status="400"}')).toBe(1);
    expect(sample(text, 'herald_http_requests_total{method="POST",route="/api/auth/login",status="401"}')).toBe(1);
    expect(sample(text, 'herald_http_requests_total{method="GET",route="/api/auth/me",status="401"}')).toBe(1);
    expect(sample(text, 'herald_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(sample(text, 'herald_http_requests_total{method="POST",route="unmatched",status="413"}')).toBe(1);
    expect(sample(text, 'herald_http_request_duration_seconds_count{method="GET",route="/api/auth/me",status="200"}')).toBe(2);
    expect(sample(text, 'herald_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/auth/me",status="200"}')).toBe(2);
    // Raw paths never become labels.
    expect(text).not.toContain('not-a-number');
    expect(text).not.toContain('no-such-thing');
  });

  it('keeps each app instance\'s counts apart (one registry per app)', async () => {
    const before = sample(await scrape(b), 'herald_http_requests_total{method="GET",route="/api/auth/me",status="200"}');
    expect(before).toBeUndefined();
    await b.request('GET', '/api/auth/me', { token: (await b.login('bob')).accessToken });
    expect(sample(await scrape(b), 'herald_http_requests_total{method="GET",route="/api/auth/me",status="200"}')).toBe(1);
    expect(sample(await scrape(a), 'herald_http_requests_total{method="GET",route="/api/auth/me",status="200"}')).toBe(2);
  });
});
