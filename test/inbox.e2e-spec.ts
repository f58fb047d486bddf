import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket } from './support/sockets';

describe('inbox: list, unread count, read state', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const get = (name: string, path: string) => server.request('GET', path, { token: tokens[name] });
  const post = (name: string, path: string, body?: unknown) => server.request('POST', path, { token: tokens[name], body });

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    ({ push } = await pushClient(server));
    await loginAll(server, { tokens, ids }, ['admin', 'alice', 'bob', 'dave']);
  });
  afterAll(() => server?.stop());

  it('lists what is addressed to the user, newest first, with cursor pages and no duplicates', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 25; i++) {
      // Alternate rooms alice belongs to, sometimes several at once: each must show once.
      const to = i % 3 === 0 ? { userIds: [ids.alice], rooms: ['orders'] } : i % 3 === 1 ? { rooms: ['role:sales'] } : { all: true as const };
      sent.push((await push({ to, type: 'test.item', title: `item ${i}` })).body.ids[0]);
    }
    await push({ to: { userIds: [ids.bob] }, type: 'test.private', title: 'for bob only' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ id: string; type: string }>; nextCursor: string | null } } = await get(
        'alice',
        `/api/notifications?limit=10${cursor ? `&before=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.every((n) => n.type === 'test.item')).toBe(true);
      seen.push(...page.body.items.map((n) => n.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...sent].reverse());
    const ascending = await get('alice', `/api/notifications?after=${sent[19]}&limit=100`);
    expect(ascending.body.items.map((n: { id: string }) => n.id)).toEqual(sent.slice(20));
  });

  it('counts unread, marks read (ignoring what is not the reader’s), marks all read, and pushes `unread` to sockets', async () => {
    const socket = await connectSocket(server.url, { token: tokens.dave });
    try {
      await socket.waitFor(() => socket.unread.length === 1);
      const start = (await get('dave', '/api/notifications/unread-count')).body.count;
      expect(socket.unread[0]).toBe(start);
      const a = (await push({ to: { userIds: [ids.dave] }, type: 'test.one', title: 'one' })).body.ids[0];
      const b = (await push({ to: { userIds: [ids.dave] }, type: 'test.two', title: 'two' })).body.ids[0];
      const notMine = (await push({ to: { userIds: [ids.bob] }, type: 'test.bob', title: 'bob' })).body.ids[0];
      expect((await get('dave', '/api/notifications/unread-count')).body).toEqual({ count: start + 2, upTo: expect.stringMatching(/^\d+$/), unseen: expect.any(Number) });
      const unreadOnly = await get('dave', '/api/notifications?unread=true&limit=100');
      expect(unreadOnly.body.items.map((n: { id: string }) => n.id).slice(0, 2)).toEqual([b, a]);

      const read = await post('dave', '/api/notifications/read', { ids: [a, notMine] });
      expect(read.body).toEqual({ unread: start + 1, upTo: expect.stringMatching(/^\d+$/) });
      await socket.waitFor(() => socket.unread.at(-1) === start + 1);
      // bob's notification is untouched by dave's call
      expect((await get('bob', '/api/notifications?limit=1')).body.items[0]).toMatchObject({ id: notMine, readAt: null });
      const listed = await get('dave', '/api/notifications?limit=2');
      expect(listed.body.items.map((n: { id: string; readAt: string | null }) => [n.id, n.readAt !== null])).toEqual([
        [b, false],
        [a, true],
      ]);
      // reading twice changes nothing
      expect((await post('dave', '/api/notifications/read', { ids: [a] })).body).toEqual({ unread: start + 1, upTo: expect.stringMatching(/^\d+$/) });

      const ack = await socket.socket.emitWithAck('notifications:read', { ids: [b] });
      expect(ack).toEqual({ ok: true, unread: start, upTo: expect.stringMatching(/^\d+$/) });

      await push({ to: { all: true }, type: 'test.all', title: 'all' });
      expect((await get('dave', '/api/notifications/unread-count')).body).toEqual({ count: start + 1, upTo: expect.stringMatching(/^\d+$/), unseen: expect.any(Number) });
      expect((await post('dave', '/api/notifications/read-all')).body).toEqual({ unread: 0, upTo: expect.stringMatching(/^\d+$/) });
      await socket.waitFor(() => socket.unread.at(-1) === 0);
      expect((await get('dave', '/api/notifications/unread-count')).body).toEqual({ count: 0, upTo: expect.stringMatching(/^\d+$/), unseen: expect.any(Number) });
      expect((await get('dave', '/api/notifications?unread=true')).body.items).toEqual([]);
      await push({ to: { userIds: [ids.dave] }, type: 'test.after', title: 'after' });
      expect((await get('dave', '/api/notifications/unread-count')).body).toEqual({ count: 1, upTo: expect.stringMatching(/^\d+$/), unseen: expect.any(Number) });
    } finally {
      socket.close();
    }
  });

  it('follows the user’s roles as they are now: a new role shows that room’s notifications, a removed one hides them', async () => {
    const stock = (await push({ to: { rooms: ['role:warehouse'] }, type: 'test.stock', title: 'stock' })).body.ids[0];
    const has = async () => (await get('dave', '/api/notifications?limit=100')).body.items.some((n: { id: string }) => n.id === stock);
    expect(await has()).toBe(false);
    const before = (await get('dave', '/api/notifications/unread-count')).body.count;
    expect((await server.request('PATCH', `/api/users/${ids.dave}`, { token: tokens.admin, body: { roles: ['staff', 'warehouse'] } })).status).toBe(200);
    expect(await has()).toBe(true);
    expect((await get('dave', '/api/notifications/unread-count')).body.count).toBe(before + 1);
    await server.request('PATCH', `/api/users/${ids.dave}`, { token: tokens.admin, body: { roles: ['staff'] } });
    expect(await has()).toBe(false);
    expect((await get('dave', '/api/notifications/unread-count')).body.count).toBe(before);
  });

  it('rejects bad input with 400 naming the field', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['GET', '/api/notifications?limit=0', undefined, /limit/],
      ['GET', '/api/notifications?limit=1000', undefined, /limit/],
      ['GET', '/api/notifications?before=abc', undefined, /before/],
      ['GET', '/api/notifications?after=1&before=5', undefined, /either after or before/],
      ['GET', '/api/notifications?unread=maybe', undefined, /unread/],
      ['GET', '/api/notifications?sort=asc', undefined, /sort: unknown field/],
      ['POST', '/api/notifications/read', { ids: [] }, /ids/],
      ['POST', '/api/notifications/read', { ids: ['1;DROP TABLE notifications'] }, /ids/],
      ['POST', '/api/notifications/read', { ids: Array.from({ length: 501 }, (_, i) => String(i + 1)) }, /ids/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await server.request(method, path, { token: tokens.alice, body });
      expect({ path, status: res.status, message: res.body.message }).toEqual({ path, status: 400, message: expect.stringMatching(message) });
    }
    expect((await server.request('GET', '/api/notifications')).status).toBe(401);
  });
});
