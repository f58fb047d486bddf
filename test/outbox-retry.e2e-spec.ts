import { Client } from 'pg';
import type { OrderEventPayload } from '@herald/contracts';
import { OUTBOX_RETRY_BASE_MS } from '@herald/notifications/outbox-dispatcher.service';
import { connectSocket, sleep } from './support/sockets';
import { startTestServer, TestServer } from './support/server';

/**
 * Outbox faults: a fault that lasts is retried with a growing backoff for as long as it lasts and never
 * parked; only an event no audience rule can render is parked, at once, and an admin sees and requeues it.
 */
describe('outbox retries and parking', () => {
  let server: TestServer;
  let db: Client;
  let adminToken: string;
  let aliceToken: string;
  let aliceId: string;

  beforeAll(async () => {
    server = await startTestServer();
    db = new Client({ connectionString: server.db.url });
    await db.connect();
    adminToken = (await server.login('admin')).accessToken;
    const alice = await server.login('alice');
    aliceToken = alice.accessToken;
    aliceId = alice.user.id;
  });

  afterAll(async () => {
    await db?.end();
    await server?.stop();
  });

  const createOrder = async (customer: string) => {
    const res = await server.request('POST', '/api/orders', {
      token: aliceToken,
      body: { customer, items: [{ sku: 'W-1', name: 'Widget', qty: 1, unitPrice: '5.00' }] },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string };
  };

  const outboxRow = async (where: string, params: unknown[]) =>
    (
      await db.query(
        `SELECT id::text, attempts, last_error, next_attempt_at, parked_at, parked_reason, processed_at FROM outbox WHERE ${where}`,
        params,
      )
    ).rows[0] as
      | { id: string; attempts: number; last_error: string | null; next_attempt_at: Date | null; parked_at: Date | null; parked_reason: string | null; processed_at: Date | null }
      | undefined;

  const parkedGauge = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('herald_outbox_parked '));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  it('retries a row whose notification cannot be written, backing off, for as long as the fault lasts; never parks it', async () => {
    const socket = await connectSocket(server.url, { token: aliceToken });
    try {
      // The fault: every insert into notifications fails, as a full disk or a lost privilege would.
      await db.query(`CREATE FUNCTION herald_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN RAISE EXCEPTION 'injected fault: notifications are not writable'; END $$`);
      await db.query(`CREATE TRIGGER herald_test_fault BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION herald_test_fault()`);
      const order = await createOrder('Retry Co');
      const faultStarted = Date.now();
      const schedule = new Map<number, number>(); // attempts → next_attempt_at (ms)
      while (Date.now() - faultStarted < 7000) {
        const row = await outboxRow(`aggregate_id = $1 AND type = 'order.created'`, [order.id]);
        expect(row?.parked_at).toBeNull();
        expect(row?.processed_at).toBeNull();
        if (row && row.attempts > 0 && !schedule.has(row.attempts)) {
          expect(row.last_error).toMatch(/injected fault/);
          schedule.set(row.attempts, row.next_attempt_at!.getTime());
        }
        await sleep(50);
      }
      // The old rule had parked the row after 5 attempts within these seconds; now each wait at least doubles.
      const attempts = [...schedule.keys()].sort((a, b) => a - b);
      expect(attempts.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...attempts)).toBeLessThanOrEqual(6);
      for (let i = 1; i < attempts.length; i++) {
        const n = attempts[i];
        if (n !== attempts[i - 1] + 1) continue; // an attempt seen only in passing: no pair to compare
        const gap = schedule.get(n)! - schedule.get(n - 1)!;
        expect(gap).toBeGreaterThanOrEqual(OUTBOX_RETRY_BASE_MS * 2 ** (n - 1) - 50);
      }
      const [{ n: written }] = (await db.query(`SELECT count(*)::int AS n FROM notifications`)).rows;
      expect(written).toBe(0);

      await db.query(`DROP TRIGGER herald_test_fault ON notifications`);
      await db.query(`DROP FUNCTION herald_test_fault()`);
      await socket.waitFor(() => socket.received.some((n) => (n.data as { orderId?: string }).orderId === order.id), 20_000, 'the order notification after the fault');
      const done = await outboxRow(`aggregate_id = $1 AND type = 'order.created'`, [order.id]);
      expect(done).toMatchObject({ parked_at: null, processed_at: expect.any(Date) });
      expect(done!.attempts).toBe(Math.max(...attempts) + 1);
      expect(await parkedGauge()).toBe(0);
    } finally {
      socket.close();
    }
  }, 45_000);

  it('parks an event no rule can render at once, lists, counts and requeues it (admin only)', async () => {
    const socket = await connectSocket(server.url, { token: aliceToken });
    try {
      const [{ id: fixable }] = (await db.query(`INSERT INTO outbox (type, aggregate_id, payload) VALUES ('invoice.sent', 'inv-1', '{}') RETURNING id::text`)).rows;
      const [{ id: hopeless }] = (await db.query(`INSERT INTO outbox (type, aggregate_id, payload) VALUES ('invoice.sent', 'inv-2', '{}') RETURNING id::text`)).rows;
      await db.query(`SELECT pg_notify('herald_outbox', '')`);
      const started = Date.now();
      let row = await outboxRow('id = $1', [hopeless]);
      while (!row?.parked_at && Date.now() - started < 5000) {
        await sleep(50);
        row = await outboxRow('id = $1', [hopeless]);
      }
      // At once: the first attempt parks it.
      expect(row).toMatchObject({ attempts: 1, processed_at: null, parked_at: expect.any(Date), next_attempt_at: null });
      expect(row!.parked_reason).toMatch(/No audience rule for event type "invoice\.sent"/);
      expect(await parkedGauge()).toBe(2);

      const list = await server.request('GET', '/api/admin/outbox?state=parked', { token: adminToken });
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([hopeless, fixable]);
      expect(list.body.items[0]).toMatchObject({
        id: hopeless,
        type: 'invoice.sent',
        aggregateId: 'inv-2',
        attempts: 1,
        lastError: expect.stringMatching(/No audience rule/),
        nextAttemptAt: null,
        parkedAt: expect.any(String),
        createdAt: expect.any(String),
      });
      expect(list.body.nextCursor).toBeNull();
      const page1 = await server.request('GET', '/api/admin/outbox?state=parked&limit=1', { token: adminToken });
      expect(page1.body.items.map((i: { id: string }) => i.id)).toEqual([hopeless]);
      const page2 = await server.request('GET', `/api/admin/outbox?state=parked&limit=1&cursor=${page1.body.nextCursor}`, { token: adminToken });
      expect(page2.body).toEqual({ items: [expect.objectContaining({ id: fixable })], nextCursor: null });
      const pending = await server.request('GET', '/api/admin/outbox?state=pending', { token: adminToken });
      expect(pending.body.items.map((i: { id: string }) => i.id)).not.toContain(hopeless);

      // Hostile and careless callers.
      expect((await server.request('GET', '/api/admin/outbox?state=parked', { token: aliceToken })).status).toBe(403);
      expect((await server.request('GET', '/api/admin/outbox?state=parked')).status).toBe(401);
      expect((await server.request('POST', `/api/admin/outbox/${fixable}/requeue`, { token: aliceToken })).status).toBe(403);
      const badState = await server.request('GET', '/api/admin/outbox?state=gone', { token: adminToken });
      expect(badState.status).toBe(400);
      expect(badState.body.message).toMatch(/state/);
      expect((await server.request('GET', '/api/admin/outbox?limit=0', { token: adminToken })).status).toBe(400);
      expect((await server.request('GET', '/api/admin/outbox?cursor=bm90OmE', { token: adminToken })).status).toBe(400);
      for (const bad of ['abc', '0', '007', '99999999999999999999', '9223372036854775808']) {
        const res = await server.request('POST', `/api/admin/outbox/${bad}/requeue`, { token: adminToken });
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/id/);
      }
      expect((await server.request('POST', '/api/admin/outbox/9223372036854775807/requeue', { token: adminToken })).status).toBe(404);
      const order = await createOrder('Done Co');
      await socket.waitFor(() => socket.received.some((n) => (n.data as { orderId?: string }).orderId === order.id), 10_000, 'the order notification');
      const processed = await outboxRow(`aggregate_id = $1 AND type = 'order.created'`, [order.id]);
      const notParked = await server.request('POST', `/api/admin/outbox/${processed!.id}/requeue`, { token: adminToken });
      expect(notParked.status).toBe(409);

      // An operator fixes the event (here: gives it a type and payload a rule knows), then requeues it.
      const payload: OrderEventPayload = {
        order: { id: '424242', number: 'SO-FIXED', customer: 'Fixed Co', total: '1.00', status: 'created', ownerId: aliceId, itemCount: 1 },
        actor: { id: aliceId, displayName: 'Alice' },
      };
      await db.query(`UPDATE outbox SET type = 'order.created', payload = $2 WHERE id = $1`, [fixable, payload]);
      const requeued = await server.request('POST', `/api/admin/outbox/${fixable}/requeue`, { token: adminToken });
      expect(requeued.status).toBe(200);
      expect(requeued.body).toMatchObject({ id: fixable, parkedAt: null, nextAttemptAt: null, attempts: 1 });
      await socket.waitFor(() => socket.received.some((n) => (n.data as { number?: string }).number === 'SO-FIXED'), 5000, 'the requeued event');
      expect(await outboxRow('id = $1', [fixable])).toMatchObject({ parked_at: null, processed_at: expect.any(Date), attempts: 2 });

      // Requeued unchanged, it is parked again at once: requeueing cannot turn into a retry loop.
      expect((await server.request('POST', `/api/admin/outbox/${hopeless}/requeue`, { token: adminToken })).status).toBe(200);
      let again = await outboxRow('id = $1', [hopeless]);
      for (let i = 0; i < 100 && again!.attempts < 2; i++) {
        await sleep(50);
        again = await outboxRow('id = $1', [hopeless]);
      }
      expect(again).toMatchObject({ attempts: 2, parked_at: expect.any(Date), processed_at: null });
      expect(await parkedGauge()).toBe(1);
    } finally {
      socket.close();
    }
  }, 45_000);
});
