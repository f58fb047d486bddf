import { Client } from 'pg';
import { MAX_READERS_PER_USER as MAX_SOCKETS_PER_USER } from '@herald/notifications';
import { SOCKET_EVENT_BURST } from '@herald/realtime';
import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, TestSocket } from './support/sockets';

describe('realtime limits and large backlogs', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await loginAll(server, { tokens, ids }, ['alice', 'bob', 'dave']);
  });
  afterAll(() => server?.stop());

  it('replays a 10,000-notification backlog in order while another socket still gets its live notification promptly', async () => {
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      // 10,000 notifications for dave, committed in one go (as if he had been away for weeks).
      await db.query(
        `WITH ids AS (SELECT nextval('notifications_id_seq') AS id, g FROM generate_series(1, 10000) g),
              n AS (INSERT INTO notifications (id, type, title, data, source)
                    SELECT id, 'test.backlog', 'backlog ' || g, jsonb_build_object('g', g), 'test' FROM ids RETURNING id)
         INSERT INTO notification_rooms (room, notification_id) SELECT $1, id FROM n`,
        [`user:${ids.dave}`],
      );
    } finally {
      await db.end();
    }
    const { push } = await pushClient(server, 'backlog');
    const bob = await connectSocket(server.url, { token: tokens.bob });
    const dave = await connectSocket(server.url, { token: tokens.dave, lastSeenId: '0' });
    try {
      await dave.waitFor(() => dave.received.length >= 1, 10_000, 'the first replayed page');
      await push({ to: { userIds: [ids.bob] }, type: 'test.live', title: 'live during replay' });
      await bob.waitFor(() => bob.received.length === 1, 10_000, "bob's live notification");
      const daveProgressWhenBobGotIt = dave.received.length;
      await dave.waitFor(() => dave.replayDone.length === 1, 60_000, 'the end of the replay');
      expect(dave.replayDone[0].count).toBe(10_000);
      expect(dave.received).toHaveLength(10_000);
      const g = dave.received.map((n) => (n.data as { g: number }).g);
      expect(g).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      // Bob was not made to wait for the whole backlog.
      expect(daveProgressWhenBobGotIt).toBeLessThan(10_000);
    } finally {
      bob.close();
      dave.close();
    }
  }, 120_000);

  it('refuses socket messages over 64 KB by closing that socket', async () => {
    const s = await connectSocket(server.url, { token: tokens.alice });
    const closed = new Promise<string>((resolve) => s.socket.once('disconnect', resolve));
    s.socket.emit('notifications:read', { ids: ['1'], padding: 'x'.repeat(70 * 1024) });
    expect(await closed).toMatch(/transport (close|error)/);
  });

  it('rate-limits client events per socket with a rate_limited ack', async () => {
    const s = await connectSocket(server.url, { token: tokens.alice });
    try {
      const answers = await Promise.all(
        Array.from({ length: SOCKET_EVENT_BURST * 2 }, () => s.socket.timeout(10_000).emitWithAck('notifications:read', { ids: ['1'] })),
      );
      // A burst's worth pass at once; the rest only as the bucket refills (10/s), which a slow machine stretches.
      const limited = answers.filter((a) => a.ok === false && a.error.code === 'rate_limited');
      expect(limited.length).toBeGreaterThanOrEqual(10);
      expect(answers.filter((a) => a.ok === true).length).toBeLessThan(SOCKET_EVENT_BURST * 2 - 10);
    } finally {
      s.close();
    }
  });

  it(`caps sockets per user at ${MAX_SOCKETS_PER_USER}`, async () => {
    const open: TestSocket[] = [];
    try {
      for (let i = 0; i < MAX_SOCKETS_PER_USER; i++) open.push(await connectSocket(server.url, { token: tokens.bob }));
      await expect(connectSocket(server.url, { token: tokens.bob })).rejects.toMatchObject({ message: 'too_many_sockets' });
      open.pop()!.close();
      await new Promise((r) => setTimeout(r, 200));
      open.push(await connectSocket(server.url, { token: tokens.bob }));
    } finally {
      open.forEach((s) => s.close());
    }
  });
});
