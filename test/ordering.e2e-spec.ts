import { DataSource } from 'typeorm';
import type { Notification, OrderEventPayload } from '@herald/contracts';
import { DomainEvents } from '@herald/notifications';
import { twoInstances } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep } from './support/sockets';

/**
 * Invariant 2 under load: two instances (two dispatchers) and many concurrent producers commit
 * while one client keeps disconnecting and coming back with lastSeenId, alternating instances.
 * Everything it received, concatenated, must be exactly the committed set, strictly in id order.
 */
describe('gap-free, duplicate-free, ordered delivery under concurrent producers', () => {
  const servers = twoInstances({ PUSH_RATE_PER_SECOND: '100000', DATABASE_POOL_SIZE: '12' });

  it('the union of what a reconnecting client received is the committed set, in order', async () => {
    const { a, b } = servers;
    const bob = await a.login('bob'); // warehouse: in `orders` and `role:warehouse`
    const { push } = await pushClient(a, 'ordering');
    const events = [a, b].map((s) => ({ events: s.app.get(DomainEvents), db: s.app.get(DataSource) }));

    let producing = true;
    let produced = 0;
    const producer = async (worker: number) => {
      let i = 0;
      while (producing) {
        const n = i++;
        if (n % 3 === 2) {
          // pushes through the HTTP API, alternating instances
          await push({ to: { rooms: [n % 2 ? 'orders' : 'role:warehouse'] }, type: 'test.push', title: `w${worker}-${n}` });
        } else {
          // domain events committed in transactions that also sleep a little, so commits interleave
          const { events: ev, db } = events[(worker + n) % 2];
          await db.transaction(async (m) => {
            const payload: OrderEventPayload = {
              order: { id: String(worker * 10_000 + n), number: `SO-T-${worker}-${n}`, customer: 'C', total: '1.00', status: 'paid', ownerId: bob.user.id, itemCount: 1 },
              actor: { id: bob.user.id, displayName: 'Bob' },
            };
            await ev.record(m, { type: 'order.paid', aggregateId: payload.order.id, actorId: null, payload });
            await m.query('SELECT pg_sleep($1)', [Math.random() * 0.01]);
          });
        }
        produced++;
      }
    };
    const producers = Array.from({ length: 8 }, (_, w) => producer(w));

    const received: Notification[] = [];
    let lastSeenId: string | undefined;
    for (let round = 0; round < 12; round++) {
      const server = round % 2 ? b : a;
      const s = await connectSocket(server.url, lastSeenId === undefined ? { token: bob.accessToken, lastSeenId: '0' } : { token: bob.accessToken, lastSeenId });
      await sleep(100 + Math.random() * 200);
      s.close();
      received.push(...s.received);
      if (s.received.length) lastSeenId = s.received[s.received.length - 1].id;
    }
    producing = false;
    await Promise.all(producers);

    // Finally catch up to everything committed, once the dispatchers have turned every outbox row into a notification.
    const db = events[0].db;
    for (let i = 0; i < 200; i++) {
      const [{ pending }] = await db.query(`SELECT count(*)::int AS pending FROM outbox WHERE processed_at IS NULL`);
      if (pending === 0) break;
      await sleep(50);
    }
    const [{ max }] = await db.query(`SELECT max(id)::text AS max FROM notifications`);
    const last = await connectSocket(a.url, { token: bob.accessToken, lastSeenId: lastSeenId ?? '0' });
    await last.waitFor(() => last.received.at(-1)?.id === max, 20_000, `the last id ${max}`);
    last.close();
    received.push(...last.received);

    const committed: Array<{ id: string }> = await db.query(
      `SELECT DISTINCT notification_id::text AS id FROM notification_rooms WHERE room = ANY($1) ORDER BY 1`,
      [['orders', 'role:warehouse', `user:${bob.user.id}`, 'all']],
    );
    const got = received.map((n) => n.id);
    expect(produced).toBeGreaterThan(100);
    expect(new Set(got).size).toBe(got.length); // no duplicates
    for (let i = 1; i < got.length; i++) expect(BigInt(got[i]) > BigInt(got[i - 1])).toBe(true); // strictly in order
    expect(got.sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))).toEqual(committed.map((r) => r.id).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))); // nothing missing
  }, 120_000);
});
