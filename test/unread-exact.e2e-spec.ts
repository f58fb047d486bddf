import pg from 'pg';
import { DataSource } from 'typeorm';
import type { HeraldClient } from '@herald/client';
import type { LoginResponse, Notification } from '@herald/contracts';
import { pushClient } from './support/push';
import { connectSocket, sleep, TestSocket } from './support/sockets';
import { startTestServer, TestServer } from './support/server';
import { testClient, until } from './support/wait';

/**
 * Issue 9, point 1 and 2: the unread count is exact on every device without a count query per recipient,
 * and the actor of an event gets its notification already read.
 */
describe('exact unread counts and the actor rule', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const users: Record<string, LoginResponse> = {};
  const clients: HeraldClient[] = [];
  const sockets: TestSocket[] = [];

  const device = (name: string) => {
    const client = testClient(server.url, () => users[name].accessToken);
    clients.push(client);
    const got: Notification[] = [];
    client.on('notification', (n) => got.push(n));
    return { client, got };
  };
  const serverCount = async (name: string) => (await server.request('GET', '/api/notifications/unread-count', { token: users[name].accessToken })).body as { count: number; upTo: string };

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['admin', 'alice', 'bob', 'carol', 'dave']) users[name] = await server.login(name);
    ({ push } = await pushClient(server));
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the badge of two devices equal to the server count through 20 pushes, reads on the other device, read-all and a reconnect', async () => {
    const a = device('bob');
    const b = device('bob');
    await until(() => a.client.unread.get() !== null && b.client.unread.get() !== null, 'first counts');
    const start = (await serverCount('bob')).count;
    expect(a.client.unread.get()).toBe(start);
    for (let i = 1; i <= 20; i++) {
      // Alternate between a push to bob, one to his role's room and one to everyone: all reach him once.
      const to = i % 3 === 0 ? { all: true } : i % 3 === 1 ? { userIds: [users.bob.user.id] } : { rooms: ['role:warehouse'] };
      const res = await push({ to, type: 'stock.low', title: `Stock low ${i}` });
      expect(res.status).toBe(202);
      await until(() => a.got.length === i && b.got.length === i, `push ${i} on both devices`);
      const { count } = await serverCount('bob');
      expect(count).toBe(start + i);
      expect([a.client.unread.get(), b.client.unread.get()]).toEqual([count, count]);
    }
    // Device B reads five: device A's badge falls too, without reloading anything.
    const ack = await b.client.markRead(b.got.slice(0, 5).map((n) => n.id));
    expect(ack).toMatchObject({ ok: true, unread: start + 15 });
    await until(() => a.client.unread.get() === start + 15, 'device A follows the read on device B');
    // A read over REST (another tab that is not connected) reaches both.
    await server.request('POST', '/api/notifications/read', { token: users.bob.accessToken, body: { ids: [a.got[5].id] } });
    await until(() => a.client.unread.get() === start + 14 && b.client.unread.get() === start + 14, 'both follow a REST read');

    // Device A goes away; three more arrive; it comes back, replays them, and still agrees with the server.
    a.client.close();
    for (let i = 0; i < 3; i++) await push({ to: { userIds: [users.bob.user.id] }, type: 'stock.low', title: `While away ${i}` });
    await until(() => b.got.length === 23, 'device B got the three');
    a.client.connect();
    await until(() => a.got.length === 23, 'device A replayed the three');
    await until(async () => a.client.unread.get() === (await serverCount('bob')).count, 'device A agrees after the replay');
    expect(a.client.unread.get()).toBe(start + 17);

    await server.request('POST', '/api/notifications/read-all', { token: users.bob.accessToken });
    await until(() => a.client.unread.get() === 0 && b.client.unread.get() === 0, 'read-all reaches both devices');
  });

  it('the actor gets the notification of their own action already read: no badge, while the others get it unread', async () => {
    const alice = device('alice');
    const admin = device('admin');
    await until(() => alice.client.unread.get() !== null && admin.client.unread.get() !== null, 'first counts');
    const aliceBefore = alice.client.unread.get();
    const adminBefore = admin.client.unread.get()!;
    const created = await server.request('POST', '/api/orders', {
      token: users.alice.accessToken,
      body: { customer: 'Own action Ltd', items: [{ sku: 'A-1', name: 'Widget', qty: 1, unitPrice: '5.00' }] },
    });
    expect(created.status).toBe(201);
    await until(() => alice.got.length === 1 && admin.got.length === 1, 'both receive order.created');
    expect(alice.got[0]).toMatchObject({ type: 'order.created', readAt: alice.got[0].createdAt });
    expect(admin.got[0]).toMatchObject({ type: 'order.created', readAt: null });
    await until(() => admin.client.unread.get() === adminBefore + 1, 'admin badge +1');
    await sleep(300);
    expect(alice.client.unread.get()).toBe(aliceBefore);
    expect((await serverCount('alice')).count).toBe(aliceBefore);
    // In her inbox it is there, read: the record of what she did.
    const inbox = await server.request('GET', '/api/notifications?limit=1', { token: users.alice.accessToken });
    expect(inbox.body.items[0]).toMatchObject({ type: 'order.created', data: { customer: 'Own action Ltd' } });
    expect(inbox.body.items[0].readAt).not.toBeNull();
    // Marking it read again changes nothing; an unread filter does not list it.
    const again = await server.request('POST', '/api/notifications/read', { token: users.alice.accessToken, body: { ids: [inbox.body.items[0].id] } });
    expect(again.body.unread).toBe(aliceBefore);
    const unreadOnly = await server.request('GET', '/api/notifications?unread=true&limit=50', { token: users.alice.accessToken });
    expect(unreadOnly.body.items.map((n: Notification) => n.id)).not.toContain(inbox.body.items[0].id);
  });

  it('an actor who shares the addressed room with others gets it read while they get it unread, on the same broadcast', async () => {
    // carol (manager) decides; admin is in the same `approvals` room and gets the same room name: one broadcast
    // group per (id, room) would hand both the same copy.
    const carolSockets = [await connectSocket(server.url, { token: users.carol.accessToken })];
    const adminSockets = [await connectSocket(server.url, { token: users.admin.accessToken })];
    sockets.push(...carolSockets, ...adminSockets);
    const submitted = await server.request('POST', '/api/approvals', {
      token: users.dave.accessToken,
      body: { kind: 'leave', title: 'Shared room', approverIds: [users.carol.user.id] },
    });
    expect(submitted.status).toBe(201);
    const decided = await server.request('POST', `/api/approvals/${submitted.body.id}/decision`, {
      token: users.carol.accessToken,
      body: { decision: 'approve', version: submitted.body.version },
    });
    expect(decided.status).toBe(200);
    const approved = (s: TestSocket) => s.received.find((n) => n.type === 'approval.approved' && n.data.approvalId === submitted.body.id);
    await until(() => !!approved(carolSockets[0]) && !!approved(adminSockets[0]), 'approval.approved on both');
    expect(approved(carolSockets[0])!).toMatchObject({ room: 'approvals' });
    expect(approved(carolSockets[0])!.readAt).not.toBeNull();
    expect(approved(adminSockets[0])!).toMatchObject({ room: 'approvals', readAt: null });
  });

  it('a broadcast to a 10,000-user room costs a fixed number of queries, not one per recipient or per socket', async () => {
    await server.app.get(DataSource).query(
      `INSERT INTO users (username, display_name, password_hash, roles)
       SELECT 'bulk' || g, 'Bulk user ' || g, 'x', ARRAY['staff'] FROM generate_series(1, 10000) g`,
    );
    // 5 demo users × 6 sockets = 30 live readers on this instance.
    for (const name of ['admin', 'alice', 'bob', 'carol', 'dave']) {
      for (let i = 0; i < 6; i++) sockets.push(await connectSocket(server.url, { token: users[name].accessToken }));
    }
    await until(() => sockets.every((s) => s.unread.length === 1), 'every socket got its first count');
    let queries = 0;
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      queries++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const res = await push({ to: { all: true }, type: 'notice.drill', title: 'Fire drill at 3 pm' });
      expect(res.status).toBe(202);
      expect(res.body.recipients).toBeGreaterThanOrEqual(10_000);
      await until(() => sockets.every((s) => s.received.some((n) => n.title === 'Fire drill at 3 pm')), 'all 30 sockets receive the broadcast');
      await sleep(300); // anything a per-recipient path would still send
    } finally {
      pg.Client.prototype.query = original;
    }
    // The push itself (key, transaction, insert, counts, notify) and one feed tail: a handful, whatever the audience.
    expect(queries).toBeLessThan(30);
    // No socket was sent a count for a new notification: the clients add it themselves.
    expect(sockets.every((s) => s.unread.length === 1)).toBe(true);
  });
});
