import { DataSource } from 'typeorm';
import type { LoginResponse, NotificationReceiptCounts, NotificationReceipts } from '@herald/contracts';
import { DeliveryMarks } from '@herald/notifications';
import { pushClient } from './support/push';
import { connectSocket, TestSocket } from './support/sockets';
import { startTestServer, TestServer } from './support/server';
import { until } from './support/wait';

/** Issue 12, point 1: read receipts for the sender, O(1) rows per broadcast at send time. */
describe('read receipts', () => {
  let server: TestServer;
  let db: DataSource;
  let keyA: Awaited<ReturnType<typeof pushClient>>;
  let keyB: Awaited<ReturnType<typeof pushClient>>;
  const users: Record<string, LoginResponse> = {};
  const sockets: TestSocket[] = [];
  const receipts = (id: string, key: string, query = '') =>
    server.request('GET', `/api/push/${id}/receipts${query}`, { headers: { 'x-api-key': key } }) as Promise<{ status: number; body: NotificationReceipts }>;
  const flush = () => server.app.get(DeliveryMarks).flush();

  beforeAll(async () => {
    server = await startTestServer();
    db = server.app.get(DataSource);
    for (const name of ['admin', 'alice', 'bob', 'carol', 'dave']) users[name] = await server.login(name);
    keyA = await pushClient(server, 'system-a');
    keyB = await pushClient(server, 'system-b');
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a unicast: delivered when a live socket got it, read when read; another API key gets 404', async () => {
    const bob = await connectSocket(server.url, { token: users.bob.accessToken });
    sockets.push(bob);
    const res = await keyA.push({ to: { userIds: [users.bob.user.id] }, type: 'stock.low', title: 'Receipt me' });
    expect(res.status).toBe(202);
    const id = res.body.ids[0] as string;
    await bob.waitFor(() => bob.received.some((n) => n.id === id));
    await flush();
    let r = await receipts(id, keyA.key);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, recipients: 1, delivered: 1, read: 0, nextCursor: null });
    expect(r.body.items).toEqual([{ userId: users.bob.user.id, displayName: users.bob.user.displayName, deliveredAt: expect.any(String), readAt: null }]);
    await server.request('POST', '/api/notifications/read', { token: users.bob.accessToken, body: { ids: [id] } });
    r = await receipts(id, keyA.key, '?state=read');
    expect(r.body).toMatchObject({ recipients: 1, delivered: 1, read: 1 });
    expect(r.body.items[0].readAt).toEqual(expect.any(String));
    expect((await receipts(id, keyA.key, '?state=unread')).body.items).toEqual([]);

    // Another key can neither see, edit nor recall it: 404, as for an id that does not exist.
    for (const [method, path] of [['GET', `/api/push/${id}/receipts`], ['PATCH', `/api/push/${id}`], ['DELETE', `/api/push/${id}`]] as const) {
      const other = await server.request(method, path, { headers: { 'x-api-key': keyB.key }, body: method === 'PATCH' ? { title: 'x' } : undefined });
      expect([method, other.status]).toEqual([method, 404]);
    }
    expect((await receipts('999999999', keyA.key)).status).toBe(404);
    expect((await receipts('abc', keyA.key)).status).toBe(400);
    expect((await receipts(id, keyA.key, '?state=maybe')).status).toBe(400);
    expect((await receipts(id, keyA.key, '?limit=0')).status).toBe(400);
    expect((await server.request('GET', `/api/push/${id}/receipts`)).status).toBe(401);
  });

  it('the actor (and admins) read receipts of what they caused, live as people read; others get 403', async () => {
    const aliceSocket = await connectSocket(server.url, { token: users.alice.accessToken });
    sockets.push(aliceSocket);
    const live: NotificationReceiptCounts[] = [];
    aliceSocket.socket.on('notification:receipts', (p: NotificationReceiptCounts) => live.push(p));
    const created = await server.request('POST', '/api/orders', {
      token: users.alice.accessToken,
      body: { customer: 'Receipts Ltd', items: [{ sku: 'R-1', name: 'Widget', qty: 1, unitPrice: '5.00' }] },
    });
    expect(created.status).toBe(201);
    await aliceSocket.waitFor(() => aliceSocket.received.some((n) => n.type === 'order.created'));
    const id = aliceSocket.received.find((n) => n.type === 'order.created')!.id;
    const mine = await server.request('GET', `/api/notifications/${id}/receipts`, { token: users.alice.accessToken });
    expect(mine.status).toBe(200);
    const before = mine.body as NotificationReceipts;
    // The actor is not a recipient of their own action; the orders room is (admin, bob of the warehouse, …).
    expect(before.items.map((i) => i.userId)).not.toContain(users.alice.user.id);
    expect(before.items.map((i) => i.userId)).toEqual(expect.arrayContaining([users.admin.user.id, users.bob.user.id]));
    expect(before.read).toBe(0);

    expect((await server.request('GET', `/api/notifications/${id}/receipts`, { token: users.bob.accessToken })).status).toBe(403);
    expect((await server.request('GET', `/api/notifications/${id}/receipts`, { token: users.admin.accessToken })).status).toBe(200);
    expect((await server.request('GET', `/api/notifications/999999999/receipts`, { token: users.admin.accessToken })).status).toBe(404);

    await server.request('POST', '/api/notifications/read', { token: users.bob.accessToken, body: { ids: [id] } });
    await until(() => live.some((p) => p.id === id && p.read === 1), 'the live receipts after bob read it');
    await server.request('POST', '/api/notifications/read-all', { token: users.admin.accessToken });
    await until(() => live.some((p) => p.id === id && p.read === 2), 'the live receipts after admin read all');
    expect(live[live.length - 1]).toMatchObject({ id, recipients: before.recipients, read: 2 });
  });

  it('a broadcast to a 10,000-user room writes no row per user at send time; receipts paginate; a user added later is not a recipient', async () => {
    await db.query(
      `INSERT INTO users (username, display_name, password_hash, roles)
       SELECT 'bulk' || g, 'Bulk user ' || g, 'x', ARRAY['staff'] FROM generate_series(1, 10000) g`,
    );
    const [{ staff }] = await db.query(`SELECT count(*)::int AS staff FROM users WHERE 'staff' = ANY(roles) AND NOT disabled`);
    const rowsOf = async () => {
      const [row] = await db.query(
        `SELECT (SELECT count(*) FROM notification_reads)::int AS reads, (SELECT count(*) FROM user_deliveries)::int AS deliveries,
                (SELECT count(*) FROM notification_rooms)::int AS rooms, (SELECT count(*) FROM notifications)::int AS notifications,
                (SELECT count(*) FROM user_membership_log)::int AS memberships, (SELECT count(*) FROM inbox_state)::int AS inboxes`,
      );
      return row as Record<string, number>;
    };
    await flush();
    const before = await rowsOf();
    const res = await keyA.push({ to: { rooms: ['role:staff'] }, type: 'notice.drill', title: 'Fire drill at 3 pm' });
    expect(res.status).toBe(202);
    const id = res.body.ids[0] as string;
    const after = await rowsOf();
    // One notification, one room row, nothing per user.
    expect(after).toEqual({ ...before, notifications: before.notifications + 1, rooms: before.rooms + 1 });

    const first = await receipts(id, keyA.key, '?limit=500');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id, recipients: staff, delivered: 0, read: 0 });
    expect(first.body.items).toHaveLength(500);
    const second = await receipts(id, keyA.key, `?limit=500&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(500);
    expect(BigInt(second.body.items[0].userId)).toBeGreaterThan(BigInt(first.body.items[499].userId));

    // dave (staff) reads it: he appears among the readers, and nowhere among the unread.
    await server.request('POST', '/api/notifications/read', { token: users.dave.accessToken, body: { ids: [id] } });
    const readers = await receipts(id, keyA.key, '?state=read');
    expect(readers.body).toMatchObject({ read: 1, recipients: staff });
    expect(readers.body.items.map((i) => i.userId)).toEqual([users.dave.user.id]);

    // Someone given the staff role after it was sent is not a recipient, nor a new user.
    const late = await server.request('POST', '/api/users', {
      token: users.admin.accessToken,
      body: { username: 'latecomer', password: 'late-password-123', displayName: 'Late Comer', roles: ['staff'] },
    });
    expect(late.status).toBe(201);
    await server.request('PATCH', `/api/users/${users.carol.user.id}`, { token: users.admin.accessToken, body: { roles: ['manager', 'staff'] } });
    const later = await receipts(id, keyA.key, '?limit=1');
    expect(later.body.recipients).toBe(staff);
    const all = await receipts(id, keyA.key, `?limit=500&cursor=${(BigInt(late.body.id) - 1n).toString()}`);
    expect(all.body.items.map((i) => i.userId)).not.toContain(late.body.id);
    // …but a notification sent after the change does reach them.
    const next = await keyA.push({ to: { rooms: ['role:staff'] }, type: 'notice.drill', title: 'Second drill' });
    expect((await receipts(next.body.ids[0], keyA.key, '?limit=1')).body.recipients).toBe(staff + 2);
  });
});
