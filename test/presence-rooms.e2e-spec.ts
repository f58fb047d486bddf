import { pushClient } from './support/push';
import { loginAll, startTestServer, TestServer } from './support/server';
import { connectSocket, TestSocket } from './support/sockets';
import { until } from './support/wait';

/**
 * The `online` count of a push to shared rooms (role:<role>, orders, all) comes from an index of this
 * instance's readers by room, kept as readers open, close and change rooms: each user counts once, whatever
 * the number of its sockets or of the addressed rooms it is in, and the count follows a role change.
 */
describe('online count of pushes to shared rooms', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    ({ push } = await pushClient(server, 'presence-rooms'));
    await loginAll(server, { tokens, ids });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server?.stop();
  });

  const onlineFor = async (to: object) => {
    const res = await push({ to, type: 'test.rooms', title: 'who is online' });
    expect(res.status).toBe(202);
    return res.body.online as number;
  };
  const open = async (name: string) => {
    const socket = await connectSocket(server.url, { token: tokens[name] });
    sockets.push(socket);
    return socket;
  };

  it('counts each user once, across its sockets and across the rooms addressed', async () => {
    const alice1 = await open('alice'); // sales
    const alice2 = await open('alice');
    await open('bob'); // warehouse
    await until(async () => (await onlineFor({ rooms: ['role:sales'] })) === 1, 'alice counted once in role:sales');
    expect(await onlineFor({ rooms: ['role:sales', 'role:warehouse'] })).toBe(2);
    expect(await onlineFor({ rooms: ['role:sales', `user:${ids.alice}`], userIds: [ids.alice] })).toBe(1);
    expect(await onlineFor({ rooms: ['role:manager'] })).toBe(0);
    expect(await onlineFor({ all: true })).toBe(2);

    // One of two sockets closed: still online; both closed: not.
    alice1.close();
    await until(async () => (await onlineFor({ rooms: ['role:warehouse'] })) === 1, 'bob still counted');
    expect(await onlineFor({ rooms: ['role:sales'] })).toBe(1);
    alice2.close();
    await until(async () => (await onlineFor({ rooms: ['role:sales'] })) === 0, 'alice no longer counted');
    expect(await onlineFor({ all: true })).toBe(1);
  });

  it('follows a role change of a connected user', async () => {
    await open('dave'); // staff
    await until(async () => (await onlineFor({ rooms: ['role:staff'] })) === 1, 'dave counted in role:staff');
    const changed = await server.request('PATCH', `/api/users/${ids.dave}`, { token: tokens.admin, body: { roles: ['finance'] } });
    expect(changed.status).toBe(200);
    await until(async () => (await onlineFor({ rooms: ['role:finance'] })) === 1, 'dave counted in role:finance after the change');
    expect(await onlineFor({ rooms: ['role:staff'] })).toBe(0);
    expect(await onlineFor({ rooms: ['role:staff', 'role:finance'] })).toBe(1);
  });
});
