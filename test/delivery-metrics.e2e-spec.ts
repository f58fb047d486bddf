import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { TEST_REDIS_URL } from './support/database';
import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep } from './support/sockets';
import { openStream } from './support/sse';

/** The value of one sample line, or undefined when there is none. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** Polls `check` until it holds: at most 50 tries over ~5 s. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Metrics of a delivery service: commit → emit latency, outbox lag, handshake refusals, disconnects, replays. */
describe('delivery metrics', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  let tokens: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    push = (await pushClient(server, 'delivery-metrics')).push;
    tokens = { alice: (await server.login('alice')).accessToken, bob: (await server.login('bob')).accessToken };
  });
  afterAll(() => server?.stop());

  const scrape = async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it('observes commit → emit latency once per notification delivered live, however many readers it had', async () => {
    const before = await scrape();
    expect(before).toMatch(/^# TYPE herald_delivery_latency_seconds histogram$/m);
    expect(sample(before, 'herald_delivery_latency_seconds_bucket{le="0.001"}')).toBe(0);
    expect(sample(before, 'herald_delivery_latency_seconds_bucket{le="10"}')).toBe(0);
    const a1 = await connectSocket(server.url, { token: tokens.alice });
    const a2 = await connectSocket(server.url, { token: tokens.alice });
    const b = await connectSocket(server.url, { token: tokens.bob });
    try {
      const pushed = await push({ to: { userIds: [(await server.login('alice')).user.id, (await server.login('bob')).user.id] }, type: 'test.latency', title: 'timed' });
      expect(pushed.status).toBe(202);
      await Promise.all([a1, a2, b].map((s) => s.waitFor(() => s.received.some((n) => n.title === 'timed'), 5000, 'the live push')));
      const text = await scrape();
      // Three readers, one notification: one observation.
      expect(sample(text, 'herald_delivery_latency_seconds_count')).toBe(1);
      const sum = sample(text, 'herald_delivery_latency_seconds_sum')!;
      expect(sum).toBeGreaterThanOrEqual(0);
      expect(sum).toBeLessThan(10);
      expect(sample(text, 'herald_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(1);
      expect(sample(text, 'herald_notifications_delivered_total{mode="live"}')).toBeGreaterThanOrEqual(3);
    } finally {
      [a1, a2, b].forEach((s) => s.close());
    }
  });

  it('observes nothing for a notification nobody on this instance was reading live', async () => {
    const before = sample(await scrape(), 'herald_delivery_latency_seconds_count');
    const erin = (await server.login('erin')).user.id;
    expect((await push({ to: { userIds: [erin] }, type: 'test.latency', title: 'unread by anyone' })).status).toBe(202);
    await sleep(600); // the tailer wakes on the commit; give it several rounds
    expect(sample(await scrape(), 'herald_delivery_latency_seconds_count')).toBe(before);
  });

  it('counts refused handshakes by code, every code present from the start', async () => {
    const before = await scrape();
    for (const code of ['missing_token', 'invalid_token', 'token_expired', 'user_disabled', 'bad_request', 'too_many_sockets', 'unavailable']) {
      expect(sample(before, `herald_socket_handshakes_refused_total{code="${code}"}`)).toBe(0);
    }
    await expect(connectSocket(server.url, { token: 'not-a-jwt' })).rejects.toMatchObject({ data: { code: 'invalid_token' } });
    await expect(connectSocket(server.url, { token: 'still-not-a-jwt' })).rejects.toMatchObject({ data: { code: 'invalid_token' } });
    await expect(connectSocket(server.url, {})).rejects.toMatchObject({ data: { code: 'missing_token' } });
    await expect(connectSocket(server.url, { token: tokens.bob, lastSeenId: 'abc' })).rejects.toMatchObject({ data: { code: 'bad_request' } });
    const text = await scrape();
    expect(sample(text, 'herald_socket_handshakes_refused_total{code="invalid_token"}')).toBe(2);
    expect(sample(text, 'herald_socket_handshakes_refused_total{code="missing_token"}')).toBe(1);
    expect(sample(text, 'herald_socket_handshakes_refused_total{code="bad_request"}')).toBe(1);
    expect(sample(text, 'herald_socket_handshakes_refused_total{code="unavailable"}')).toBe(0);
    // A token is never a label value.
    expect(text).not.toContain('not-a-jwt');
  });

  it('counts disconnects by Socket.IO reason: the client leaving, the server closing it', async () => {
    const series = (reason: string) => `herald_socket_disconnects_total{reason="${reason}"}`;
    const before = await scrape();
    const left = sample(before, series('client namespace disconnect')) ?? 0;
    const kicked = sample(before, series('server namespace disconnect')) ?? 0;
    const s = await connectSocket(server.url, { token: tokens.bob });
    s.close();
    await eventually(async () => sample(await scrape(), series('client namespace disconnect')) === left + 1, 'the client disconnect to be counted');
    // The server ends a socket after too many unknown events (guardClientEvents): its own disconnect.
    const t = await connectSocket(server.url, { token: tokens.bob });
    try {
      for (let i = 0; i < 30 && t.socket.connected; i++) t.socket.emit(`no-such-event-${i}`);
      await eventually(async () => sample(await scrape(), series('server namespace disconnect')) === kicked + 1, 'the server disconnect to be counted');
    } finally {
      t.close();
    }
    expect(await scrape()).not.toMatch(/herald_socket_disconnects_total\{reason="other"\}/);
  });

  it('gives the age of the oldest pending outbox row, ignoring parked and dispatched ones', async () => {
    const db = server.app.get(DataSource);
    await eventually(async () => sample(await scrape(), 'herald_outbox_pending') === 0, 'an empty outbox');
    const idle = await scrape();
    expect(idle).toMatch(/^# TYPE herald_outbox_lag_seconds gauge$/m);
    expect(sample(idle, 'herald_outbox_lag_seconds')).toBe(0);
    // Rows the dispatcher leaves alone: one backing off for an hour (pending), one older but parked.
    const [{ id: pendingId }] = await db.query(
      `INSERT INTO outbox (type, aggregate_id, payload, created_at, next_attempt_at)
       VALUES ('test.lag', '1', '{}', now() - interval '90 seconds', now() + interval '1 hour') RETURNING id`,
    );
    const [{ id: parkedId }] = await db.query(
      `INSERT INTO outbox (type, aggregate_id, payload, created_at, parked_at, parked_reason)
       VALUES ('test.lag', '2', '{}', now() - interval '1 day', now(), 'test') RETURNING id`,
    );
    try {
      const text = await scrape();
      const lag = sample(text, 'herald_outbox_lag_seconds')!;
      expect(lag).toBeGreaterThanOrEqual(90);
      expect(lag).toBeLessThan(120);
      expect(sample(text, 'herald_outbox_pending')).toBe(1);
      expect(sample(text, 'herald_outbox_parked')).toBe(1);
      // The query walks the partial index: one index step, not a scan of the table.
      const plan: Array<{ 'QUERY PLAN': string }> = await db.query(
        `EXPLAIN SELECT created_at FROM outbox WHERE processed_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT 1`,
      );
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/outbox_pending_idx/);
    } finally {
      await db.query(`DELETE FROM outbox WHERE id = ANY($1::bigint[])`, [[pendingId, parkedId]]);
    }
    expect(sample(await scrape(), 'herald_outbox_lag_seconds')).toBe(0);
  });

  it('counts replays and replayed notifications for sockets and SSE streams alike', async () => {
    const before = await scrape();
    const replays = sample(before, 'herald_replays_total')!;
    const replayed = sample(before, 'herald_notifications_delivered_total{mode="replay"}') ?? 0;
    expect(replays).toBeGreaterThanOrEqual(0);
    // Alice has the notification of the first test in her history.
    const s = await connectSocket(server.url, { token: tokens.alice, lastSeenId: '0' });
    try {
      await s.waitFor(() => s.replayDone.length === 1, 5000, 'the socket replay');
      expect(s.replayDone[0].count).toBeGreaterThanOrEqual(1);
    } finally {
      s.close();
    }
    const stream = await openStream(`${server.url}/api/notifications/stream?lastEventId=0`, { authorization: `Bearer ${tokens.alice}` });
    try {
      expect(stream.res.status).toBe(200);
      await stream.waitFor(() => stream.events.some((e) => e.data?.includes('timed')), 5000);
    } finally {
      stream.close();
    }
    const text = await scrape();
    expect(sample(text, 'herald_replays_total')).toBe(replays + 2);
    expect(sample(text, 'herald_notifications_delivered_total{mode="replay"}')).toBeGreaterThanOrEqual(replayed + 2);
  });
});

/** As in production: /metrics behind METRICS_TOKEN, instances joined by Redis (which adds the adapter metrics). */
describe('metrics behind METRICS_TOKEN, with REDIS_URL', () => {
  const TOKEN = 'scrape-token-for-the-test-0123';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN: TOKEN, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `herald-metrics-${randomBytes(4).toString('hex')}` } });
  });
  afterAll(() => server?.stop());

  const scrape = (authorization?: string) => fetch(`${server.url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

  it('refuses a scrape without the token, with a wrong one, or with a user token, and serves the right one', async () => {
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toMatchObject({ statusCode: 401, code: 'missing_token' });
    for (const wrong of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', TOKEN, `Basic ${TOKEN}`, `bearer  ${TOKEN}`]) {
      const res = await scrape(wrong);
      expect({ wrong, status: res.status }).toEqual({ wrong, status: 401 });
      expect(await res.text()).not.toContain('herald_');
    }
    const user = await scrape(`Bearer ${(await server.login('admin')).accessToken}`);
    expect(user.status).toBe(401);
    const ok = await scrape(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# TYPE herald_outbox_lag_seconds gauge$/m);
  });

  it('has a Grafana dashboard that parses and queries only metrics a scrape has (adapter errors: with REDIS_URL)', async () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '../docs/grafana-herald.json'), 'utf8')) as {
      templating: { list: Array<{ name: string; type: string; query: string }> };
      panels: Array<{ title: string; datasource?: { uid?: string }; targets?: Array<{ expr: string }> }>;
    };
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ type: 'datasource', query: 'prometheus' }));
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource')!.name;
    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name],
    ));
    const queried = new Set<string>();
    const withQueries = dashboard.panels.filter((p) => p.targets?.length);
    expect(withQueries.length).toBeGreaterThanOrEqual(9);
    for (const panel of withQueries) {
      expect(panel.datasource?.uid).toBe(`\${${variable}}`);
      for (const t of panel.targets!) for (const [name] of t.expr.matchAll(/\bherald_[a-z0-9_]+/g)) queried.add(name);
    }
    for (const name of ['herald_delivery_latency_seconds_bucket', 'herald_outbox_lag_seconds', 'herald_socket_handshakes_refused_total', 'herald_socket_disconnects_total', 'herald_adapter_errors_total', 'herald_http_requests_total']) {
      expect(queried).toContain(name);
    }
    expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
  });
});
