import { Client } from 'pg';
import { pushClient } from './support/push';
import { privatePostgres, PrivatePostgres, privatePostgresUnavailable } from './support/private-postgres';
import { connectSocket, sleep } from './support/sockets';
import { startTestServer, TestServer } from './support/server';

const unavailable = privatePostgresUnavailable();
if (unavailable) process.stderr.write(`[herald tests] database-outage skipped: ${unavailable}\n`);
const maybe = unavailable ? describe.skip : describe;

/** Upper bound of one HTTP answer while PostgreSQL is down: the pool gives up connecting after 3 s. */
const OUTAGE_ANSWER_BOUND_MS = 5000;
const OUTAGE_MS = 10_000;

/**
 * A real outage: Herald runs on a private PostgreSQL, which is stopped (pg_ctl stop -m fast) for ~10 s and
 * started again. Callers get 503 + Retry-After quickly, never 500 or a hang; everything answered 2xx before
 * is delivered afterwards; an outbox row that was failing when the database went away is retried, not parked.
 */
maybe('PostgreSQL outage', () => {
  let pg: PrivatePostgres;
  let server: TestServer;

  beforeAll(async () => {
    pg = await privatePostgres();
    server = await startTestServer({ db: { url: pg.url, embedded: false, drop: async () => undefined } });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await pg?.destroy();
  }, 30_000);

  it('answers 503 with Retry-After while it is down, and delivers everything answered 2xx once it is back', async () => {
    const alice = await server.login('alice');
    const { push } = await pushClient(server);
    const token = alice.accessToken;
    const order = (customer: string) =>
      server.request('POST', '/api/orders', { token, body: { customer, items: [{ sku: 'W-1', name: 'Widget', qty: 1, unitPrice: '5.00' }] } });

    // Before the outage: pushes and orders, all accepted.
    const pushTitles: string[] = [];
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await push({ type: 'test.outage', title: `before ${i}`, to: { userIds: [alice.user.id] } });
      expect(p.status).toBe(202);
      pushTitles.push(`before ${i}`);
      const o = await order(`Before ${i}`);
      expect(o.status).toBe(201);
      orderIds.push(o.body.id);
    }

    // One order whose dispatch is failing when the database goes away (notification writes fault).
    const sql = new Client({ connectionString: pg.url });
    await sql.connect();
    await sql.query(`CREATE FUNCTION herald_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                       BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
    await sql.query(`CREATE TRIGGER herald_test_fault BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION herald_test_fault()`);
    const failing = await order('Failing Co');
    expect(failing.status).toBe(201);
    orderIds.push(failing.body.id);
    let attemptsBefore = 0;
    for (let i = 0; i < 100 && attemptsBefore < 1; i++) {
      await sleep(50);
      attemptsBefore = (await sql.query(`SELECT attempts FROM outbox WHERE aggregate_id = $1 AND type = 'order.created'`, [failing.body.id])).rows[0]?.attempts ?? 0;
    }
    expect(attemptsBefore).toBeGreaterThanOrEqual(1);
    await sql.end();

    // The outage.
    await pg.stop();
    const stoppedAt = Date.now();
    const answers: Array<{ what: string; status: number; retryAfter: string | null; code?: string; ms: number }> = [];
    const timed = async (what: string, call: () => Promise<{ status: number; body: any; headers: Headers }>) => {
      const t = Date.now();
      const res = await call();
      answers.push({ what, status: res.status, retryAfter: res.headers.get('retry-after'), code: res.body?.code, ms: Date.now() - t });
    };
    for (let round = 0; Date.now() - stoppedAt < OUTAGE_MS; round++) {
      await Promise.all([
        timed('push', () => push({ type: 'test.outage', title: 'during', to: { userIds: [alice.user.id] } })),
        timed('order', () => order('During Co')),
        timed('inbox', () => server.request('GET', '/api/notifications', { token })),
        // A few only: the per-username login limit would answer 429 first.
        ...(round < 2 ? [timed('login', () => server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'herald-demo' } }))] : []),
      ]);
      const t = Date.now();
      const ready = await server.request('GET', '/health/ready');
      answers.push({ what: 'ready', status: ready.status, retryAfter: 'n/a', ms: Date.now() - t });
    }
    const slowest = Math.max(...answers.map((a) => a.ms));
    process.stderr.write(`[database-outage] ${answers.length} answers while PostgreSQL was down; slowest ${slowest} ms\n`);
    expect(answers.length).toBeGreaterThanOrEqual(10);
    for (const a of answers) {
      expect({ what: a.what, status: a.status }).toEqual({ what: a.what, status: 503 });
      if (a.what !== 'ready') expect({ what: a.what, retryAfter: a.retryAfter, code: a.code }).toEqual({ what: a.what, retryAfter: '5', code: 'database_unavailable' });
    }
    expect(slowest).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);

    // Back.
    await pg.start();
    const fix = new Client({ connectionString: pg.url });
    await fix.connect();
    try {
      await fix.query(`DROP TRIGGER herald_test_fault ON notifications`);
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await server.request('GET', '/health/ready')).status;
        if (ready !== 200) await sleep(100);
      }
      expect(ready).toBe(200);
      const after = await push({ type: 'test.outage', title: 'after', to: { userIds: [alice.user.id] } });
      expect(after.status).toBe(202);
      pushTitles.push('after');

      const socket = await connectSocket(server.url, { token, lastSeenId: '0' });
      try {
        const has = () =>
          pushTitles.every((t) => socket.received.some((n) => n.title === t)) &&
          orderIds.every((id) => socket.received.some((n) => (n.data as { orderId?: string }).orderId === id));
        await socket.waitFor(has, 30_000, 'every notification answered 2xx before the outage');
      } finally {
        socket.close();
      }
      const [row] = (
        await fix.query(
          `SELECT o.attempts, o.parked_at, o.processed_at, n.id AS notification_id
             FROM outbox o LEFT JOIN notifications n ON n.outbox_id = o.id
            WHERE o.aggregate_id = $1 AND o.type = 'order.created'`,
          [failing.body.id],
        )
      ).rows;
      expect(row).toMatchObject({ parked_at: null, processed_at: expect.any(Date), notification_id: expect.any(String) });
      expect(row.attempts).toBeGreaterThan(attemptsBefore);
    } finally {
      await fix.end();
    }
  }, 90_000);
});
