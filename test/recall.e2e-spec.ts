import type { HeraldClient } from '@herald/client';
import type { LoginResponse, Notification } from '@herald/contracts';
import { pushClient } from './support/push';
import { connectSocket, TestSocket } from './support/sockets';
import { openStream } from './support/sse';
import { startTestServer, TestServer } from './support/server';
import { testClient, until } from './support/wait';

/** Issue 12, point 2: recall with no time window, gone from every inbox, screen, count and replay. */
describe('recall', () => {
  let server: TestServer;
  let keyA: Awaited<ReturnType<typeof pushClient>>;
  let keyB: Awaited<ReturnType<typeof pushClient>>;
  const users: Record<string, LoginResponse> = {};
  const clients: HeraldClient[] = [];
  const sockets: TestSocket[] = [];

  const device = (name: string) => {
    const client = testClient(server.url, () => users[name].accessToken);
    clients.push(client);
    const shown = new Map<string, Notification>();
    client.on('notification', (n) => shown.set(n.id, n));
    client.on('recalled', ({ id }) => shown.delete(id));
    return { client, shown };
  };
  const serverCount = async (name: string) => ((await server.request('GET', '/api/notifications/unread-count', { token: users[name].accessToken })).body as { count: number }).count;
  const inboxIds = async (name: string) =>
    ((await server.request('GET', '/api/notifications?limit=100', { token: users[name].accessToken })).body as { items: Notification[] }).items.map((n) => n.id);
  const pushToBob = async (title: string) => {
    const res = await keyA.push({ to: { userIds: [users.bob.user.id] }, type: 'stock.low', title });
    expect(res.status).toBe(202);
    return res.body.ids[0] as string;
  };

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['admin', 'alice', 'bob', 'carol']) users[name] = await server.login(name);
    keyA = await pushClient(server, 'system-a');
    keyB = await pushClient(server, 'system-b');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('recalling a read and an unread one: gone on two devices, counts exact, the same answer twice, replay and SSE', async () => {
    const a = device('bob');
    const b = device('bob');
    await until(() => a.client.unread.get() !== null && b.client.unread.get() !== null, 'first counts');
    const stream = await openStream(`${server.url}/api/notifications/stream`, { authorization: `Bearer ${users.bob.accessToken}` });
    const before = await serverCount('bob');
    const unread = await pushToBob('Wrong price list');
    const read = await pushToBob('Wrong memo');
    const late = await pushToBob('Wrong again');
    await until(() => [unread, read, late].every((id) => a.shown.has(id) && b.shown.has(id)), 'three on both devices');
    await b.client.markRead([read]);
    // The count cache covers `unread` and `read` now; `late` arrives above it on the next recount.
    expect(await serverCount('bob')).toBe(before + 2);
    const cursor = String(BigInt(unread) - 1n);

    const first = await server.request('DELETE', `/api/push/${unread}`, { headers: { 'x-api-key': keyA.key } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: unread, recalledAt: expect.any(String) });
    const again = await server.request('DELETE', `/api/push/${unread}`, { headers: { 'x-api-key': keyA.key } });
    expect(again.body).toEqual(first.body);
    expect((await server.request('DELETE', `/api/push/${read}`, { headers: { 'x-api-key': keyA.key } })).status).toBe(200);
    expect((await server.request('DELETE', `/api/push/${late}`, { headers: { 'x-api-key': keyB.key } })).status).toBe(404);
    expect((await server.request('DELETE', `/api/push/${late}`, { headers: { 'x-api-key': keyA.key } })).status).toBe(200);

    await until(() => [unread, read, late].every((id) => !a.shown.has(id) && !b.shown.has(id)), 'removed live from both devices');
    // The unread one and the late one fall from the count; the read one did not count.
    await until(async () => (await serverCount('bob')) === before && a.client.unread.get() === before && b.client.unread.get() === before, 'counts back to before');
    expect(await inboxIds('bob')).not.toEqual(expect.arrayContaining([unread]));
    expect((await inboxIds('bob')).filter((id) => [unread, read, late].includes(id))).toEqual([]);
    // Marking a recalled one read does nothing.
    expect((await server.request('POST', '/api/notifications/read', { token: users.bob.accessToken, body: { ids: [late] } })).body.unread).toBe(before);

    await stream.waitFor(() => stream.events.filter((e) => e.event === 'notification.recalled').length === 3);
    expect(stream.events.filter((e) => e.event === 'notification.recalled').map((e) => JSON.parse(e.data!).id)).toEqual([unread, read, late]);
    stream.close();

    // A device coming back from before them never sees them, but sees what came after.
    const after = await pushToBob('The right one');
    const replay = await connectSocket(server.url, { token: users.bob.accessToken, lastSeenId: cursor });
    sockets.push(replay);
    await replay.waitFor(() => replay.replayDone.length === 1);
    expect(replay.received.map((n) => n.id)).toEqual([after]);
    await until(async () => a.client.unread.get() === (await serverCount('bob')), 'device A agrees after the new one');
  });

  it('two instances without Redis: a recall, an update and live receipts made on one reach the sockets of the other', async () => {
    const other = await startTestServer({ db: server.db });
    try {
      const bob = await connectSocket(other.url, { token: users.bob.accessToken });
      sockets.push(bob);
      const recalled: string[] = [];
      const updated: Notification[] = [];
      bob.socket.on('notification:recalled', (p: { id: string }) => recalled.push(p.id));
      bob.socket.on('notification:updated', (n: Notification) => updated.push(n));
      await bob.waitFor(() => bob.unread.length === 1);
      const id = await pushToBob('Across instances');
      await bob.waitFor(() => bob.received.some((n) => n.id === id));
      const edited = await server.request('PATCH', `/api/push/${id}`, { headers: { 'x-api-key': keyA.key }, body: { title: 'Across instances, edited' } });
      expect(edited.status).toBe(200);
      await until(() => updated.some((n) => n.id === id && n.title === 'Across instances, edited'), 'the update on the other instance');
      const counted = bob.unread.length;
      expect((await server.request('DELETE', `/api/push/${id}`, { headers: { 'x-api-key': keyA.key } })).status).toBe(200);
      await until(() => recalled.includes(id), 'the recall on the other instance');
      await until(() => bob.unread.length > counted, 'a new count on the other instance');
      expect(bob.unread[bob.unread.length - 1]).toBe(await serverCount('bob'));

      // Receipts: alice's socket on the other instance hears bob reading, on this one, what she caused.
      const alice = await connectSocket(other.url, { token: users.alice.accessToken });
      sockets.push(alice);
      const receipts: Array<{ id: string; read: number }> = [];
      alice.socket.on('notification:receipts', (p: { id: string; read: number }) => receipts.push(p));
      await server.request('POST', '/api/orders', {
        token: users.alice.accessToken,
        body: { customer: 'Two Instances Ltd', items: [{ sku: 'T-1', name: 'Widget', qty: 1, unitPrice: '1.00' }] },
      });
      await alice.waitFor(() => alice.received.some((n) => n.type === 'order.created'));
      const order = alice.received.find((n) => n.type === 'order.created')!.id;
      await server.request('POST', '/api/notifications/read', { token: users.bob.accessToken, body: { ids: [order] } });
      await until(() => receipts.some((p) => p.id === order && p.read === 1), 'live receipts on the other instance');
    } finally {
      for (const s of sockets.splice(0)) s.close();
      await other.stop({ keepDatabase: true });
    }
  });

  it('a user-caused notification: its actor and admins may recall it, others get 403; recalled everywhere at once', async () => {
    const carol = await connectSocket(server.url, { token: users.carol.accessToken });
    sockets.push(carol);
    const recalled: string[] = [];
    carol.socket.on('notification:recalled', (p: { id: string }) => recalled.push(p.id));
    const created = await server.request('POST', '/api/approvals', {
      token: users.alice.accessToken,
      body: { kind: 'expense', title: 'Team lunch', amount: '80.00', approverIds: [users.carol.user.id] },
    });
    expect(created.status).toBe(201);
    await carol.waitFor(() => carol.received.some((n) => n.type === 'approval.submitted'));
    const id = carol.received.find((n) => n.type === 'approval.submitted')!.id;
    const carolBefore = await serverCount('carol');
    expect((await server.request('POST', `/api/notifications/${id}/recall`, { token: users.carol.accessToken })).status).toBe(403);
    expect((await server.request('POST', `/api/notifications/abc/recall`, { token: users.alice.accessToken })).status).toBe(400);
    expect((await server.request('POST', `/api/notifications/999999999/recall`, { token: users.alice.accessToken })).status).toBe(404);
    const res = await server.request('POST', `/api/notifications/${id}/recall`, { token: users.alice.accessToken });
    expect(res.status).toBe(200);
    await until(() => recalled.includes(id), 'carol hears the recall');
    expect(await serverCount('carol')).toBe(carolBefore - 1);
    // Admins may recall too; a repeat answers the first recall.
    const byAdmin = await server.request('POST', `/api/notifications/${id}/recall`, { token: users.admin.accessToken });
    expect(byAdmin.body).toEqual(res.body);
  });
});
