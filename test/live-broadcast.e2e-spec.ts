import { RealtimeGateway } from '@herald/realtime';
import { pushClient } from './support/push';
import { loginAll, startTestServer, TestServer } from './support/server';
import { connectSocket, TestSocket } from './support/sockets';

/**
 * A live notification for a room is emitted to that Socket.IO room when every socket in it is a live reader
 * getting the same copy, and socket by socket otherwise: a socket still replaying is in the room too, and must
 * get the notification from its replay (once, in order), not from the broadcast.
 */
describe('live broadcast to a room', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const sockets: TestSocket[] = [];
  /** The rooms of each broadcast the gateway handed to the adapter. */
  const broadcasts: string[][] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '100000' } });
    ({ push } = await pushClient(server, 'broadcast'));
    await loginAll(server, { tokens, ids });
    const adapter = server.app.get(RealtimeGateway).server.of('/').adapter;
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = ((packet: unknown, opts: { rooms: Set<string> }) => {
      broadcasts.push([...opts.rooms]);
      return broadcast(packet as never, opts as never);
    }) as typeof adapter.broadcast;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server?.stop();
  });

  const open = async (name: string, lastSeenId?: string) => {
    const s = await connectSocket(server.url, { token: tokens[name], ...(lastSeenId ? { lastSeenId } : {}) });
    sockets.push(s);
    return s;
  };
  const toOrders = (i: number) => push({ to: { rooms: ['orders'] }, type: 'test.broadcast', title: `Broadcast ${i}` });
  const ascendingOnce = (s: TestSocket) => s.received.every((n, i) => i === 0 || BigInt(n.id) > BigInt(s.received[i - 1].id));

  it('goes to the room in one emit when all its sockets are live readers', async () => {
    const alice = await open('alice');
    const bob = await open('bob');
    broadcasts.length = 0;
    const res = await toOrders(0);
    expect(res.status).toBe(202);
    await alice.waitFor(() => alice.received.length === 1);
    await bob.waitFor(() => bob.received.length === 1);
    expect(broadcasts).toEqual([['orders']]);
    expect(alice.received[0]).toMatchObject({ id: res.body.ids[0], room: 'orders' });
  });

  it('goes socket by socket while a socket of the room replays, which gets everything once and in order', async () => {
    const [alice, bob] = sockets;
    const before = alice.received.length;
    // A backlog for erin (finance, in orders) to replay: 1,500 notifications.
    const first = await toOrders(1);
    for (let k = 0; k < 3; k++) {
      const items = Array.from({ length: 500 }, (_, i) => ({ to: { rooms: ['orders'] }, type: 'test.broadcast', title: `Backlog ${k}-${i}` }));
      expect((await server.request('POST', '/api/push/batch', { headers: { 'x-api-key': (await pushClient(server, `backlog-${k}`)).key }, body: { items } })).status).toBe(202);
    }
    await alice.waitFor(() => alice.received.length === before + 1501, 20_000, 'alice to get the backlog live');
    broadcasts.length = 0;
    const erin = await open('erin', String(BigInt(first.body.ids[0]) - 1n));
    // Live pushes to the room while erin replays.
    const live: string[] = [];
    for (let i = 0; i < 20; i++) live.push((await toOrders(100 + i)).body.ids[0]);
    await erin.waitFor(() => erin.received.length === 1521, 30_000, 'erin to get the backlog and the live pushes');
    await bob.waitFor(() => bob.received.length === before + 1521, 20_000, 'bob to get the live pushes');
    expect(ascendingOnce(erin)).toBe(true);
    expect(erin.received.at(-1)!.id).toBe(live.at(-1));
    expect(ascendingOnce(alice) && ascendingOnce(bob)).toBe(true);
    expect(alice.received.slice(-20).map((n) => n.id)).toEqual(live);
    // While erin replayed, the broadcasts went to the live sockets one by one; once she was live, to the room.
    expect(broadcasts.some((rooms) => rooms.length > 1 && !rooms.includes('orders'))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(erin.received).toHaveLength(1521); // nothing more, nothing twice
    broadcasts.length = 0;
    await toOrders(200);
    await erin.waitFor(() => erin.received.length === 1522);
    expect(broadcasts).toEqual([['orders']]);
  });
});
