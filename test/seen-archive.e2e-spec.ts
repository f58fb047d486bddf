import type { LoginResponse, Notification, NotificationsArchived, NotificationsSeen } from '@herald/contracts';
import { pushClient } from './support/push';
import { connectSocket, TestSocket } from './support/sockets';
import { startTestServer, TestServer } from './support/server';
import { until } from './support/wait';

/** Issue 12, point 4: seen, read and archived are three states, live across devices. */
describe('seen, read and archived', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const users: Record<string, LoginResponse> = {};
  const sockets: TestSocket[] = [];
  const counts = async (name = 'bob') =>
    (await server.request('GET', '/api/notifications/unread-count', { token: users[name].accessToken })).body as { count: number; upTo: string; unseen: number };
  const post = (path: string, body?: unknown, name = 'bob') => server.request('POST', `/api/notifications/${path}`, { token: users[name].accessToken, body });
  const list = async (query = '') => ((await server.request('GET', `/api/notifications?limit=100${query}`, { token: users.bob.accessToken })).body as { items: Notification[] }).items.map((n) => n.id);

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['admin', 'bob', 'carol']) users[name] = await server.login(name);
    ({ push } = await pushClient(server));
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    await server?.stop();
  });

  it('seen is not read, read is seen, archived is neither; the other device hears each change', async () => {
    await post('seen-all');
    await post('read-all');
    const other = await connectSocket(server.url, { token: users.bob.accessToken });
    sockets.push(other);
    const seenEvents: NotificationsSeen[] = [];
    const archivedEvents: NotificationsArchived[] = [];
    other.socket.on('notification:seen', (p: NotificationsSeen) => seenEvents.push(p));
    other.socket.on('notification:archived', (p: NotificationsArchived) => archivedEvents.push(p));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await push({ to: { userIds: [users.bob.user.id] }, type: 'stock.low', title: `Item ${i}` })).body.ids[0]);
    expect(await counts()).toMatchObject({ count: 3, unseen: 3 });

    const seen = await post('seen', { ids: [ids[0]] });
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual({ unseen: 2 });
    expect(await counts()).toMatchObject({ count: 3, unseen: 2 });
    await until(() => seenEvents.length === 1, 'seenEvents.length === 1');
    expect(seenEvents[0]).toEqual({ ids: [ids[0]], upTo: null });
    // Seeing it again changes nothing and tells nobody.
    expect((await post('seen', { ids: [ids[0]] })).body).toEqual({ unseen: 2 });

    await post('read', { ids: [ids[1]] });
    expect(await counts()).toMatchObject({ count: 2, unseen: 1 });
    const all = await post('seen-all');
    expect(all.body).toEqual({ unseen: 0, upTo: expect.any(String) });
    expect(await counts()).toMatchObject({ count: 2, unseen: 0 });
    await until(() => seenEvents.length === 2, 'seenEvents.length === 2');
    expect(seenEvents[1]).toEqual({ ids: [], upTo: all.body.upTo });
    const next = (await push({ to: { userIds: [users.bob.user.id] }, type: 'stock.low', title: 'After seen-all' })).body.ids[0];
    expect(await counts()).toMatchObject({ count: 3, unseen: 1 });

    // Archive: out of the inbox, into the archive, unread still.
    const archived = await post('archive', { ids: [ids[2], next] });
    expect(archived.body.ids.sort()).toEqual([ids[2], next].sort());
    expect(await list()).not.toContain(ids[2]);
    expect(await list('&archived=true')).toEqual([next, ids[2]]);
    expect(await list('&archived=true&unread=true')).toEqual([next, ids[2]]);
    expect((await counts()).count).toBe(3);
    await until(() => archivedEvents.length === 1, 'archivedEvents.length === 1');
    expect(archivedEvents[0]).toMatchObject({ archived: true });
    expect((await post('archive', { ids: [ids[2]] })).body).toEqual({ ids: [] });
    expect((await post('unarchive', { ids: [ids[2]] })).body).toEqual({ ids: [ids[2]] });
    expect(await list()).toContain(ids[2]);
    expect(await list('&archived=true')).toEqual([next]);
    await until(() => archivedEvents.length === 2, 'archivedEvents.length === 2');
    expect(archivedEvents[1]).toEqual({ ids: [ids[2]], archived: false });

    // Someone else's notification cannot be archived or seen by bob.
    const carols = (await push({ to: { userIds: [users.carol.user.id] }, type: 'stock.low', title: 'For carol' })).body.ids[0];
    expect((await post('archive', { ids: [carols] })).body).toEqual({ ids: [] });
    expect((await post('seen', { ids: [carols] })).body).toEqual({ unseen: 1 });
    expect((await counts('carol')).unseen).toBeGreaterThanOrEqual(1);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    for (const [path, body] of [
      ['seen', { ids: [] }],
      ['seen', { ids: ['abc'] }],
      ['seen', {}],
      ['archive', { ids: Array.from({ length: 501 }, (_, i) => String(i + 1)) }],
      ['unarchive', { ids: 'x' }],
      ['archive', { ids: ['1'], extra: true }],
    ] as const) {
      const res = await post(path, body);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    expect((await server.request('GET', '/api/notifications?archived=maybe', { token: users.bob.accessToken })).status).toBe(400);
    expect((await server.request('POST', '/api/notifications/seen-all')).status).toBe(401);
  });
});
