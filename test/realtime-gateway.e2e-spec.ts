import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { DomainEvents } from '@herald/notifications';
import type { OrderEventPayload, OrderEventType } from '@herald/contracts';
import { loginAll, startTestServer, TestServer, TEST_JWT_SECRET } from './support/server';
import { connectSocket, sleep } from './support/sockets';

/** Records an order event the way a domain service does: inside a transaction. */
async function recordOrderEvent(server: TestServer, type: OrderEventType, ownerId: string, status = 'created'): Promise<void> {
  const events = server.app.get(DomainEvents);
  const db = server.app.get(DataSource);
  const payload: OrderEventPayload = {
    order: { id: '1', number: 'SO-2026-000001', customer: 'ACME', total: '10.00', status: status as OrderEventPayload['order']['status'], ownerId, itemCount: 1 },
    actor: { id: ownerId, displayName: 'Alice' },
  };
  await db.transaction((m) => events.record(m, { type, aggregateId: '1', actorId: ownerId, payload }));
}

describe('realtime gateway', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await loginAll(server, { tokens, ids });
  });
  afterAll(() => server?.stop());

  describe('handshake', () => {
    const refused = async (auth: Record<string, unknown>, extraHeaders?: Record<string, string>) => {
      try {
        const s = await connectSocket(server.url, auth, { extraHeaders });
        s.close();
        throw new Error('connected although it should have been refused');
      } catch (err) {
        return err as Error & { data?: { code: string; message: string } };
      }
    };

    it('refuses a missing token with missing_token', async () => {
      const err = await refused({});
      expect(err.message).toBe('unauthorized');
      expect(err.data?.code).toBe('missing_token');
    });

    it('refuses garbage, alg:none and foreign-secret tokens with invalid_token', async () => {
      expect((await refused({ token: 'not-a-jwt' })).data?.code).toBe('invalid_token');
      const none = jwt.sign({ ver: 0 }, '', { algorithm: 'none', subject: ids.alice, issuer: 'herald', audience: 'herald', expiresIn: 60 });
      expect((await refused({ token: none })).data?.code).toBe('invalid_token');
      const foreign = jwt.sign({ ver: 0 }, 'another-secret-another-secret-another!!', { subject: ids.alice, issuer: 'herald', audience: 'herald', expiresIn: 60 });
      expect((await refused({ token: foreign })).data?.code).toBe('invalid_token');
      expect((await refused({ token: 42 })).data?.code).toBe('invalid_token');
    });

    it('refuses an expired token with token_expired', async () => {
      const expired = jwt.sign({ ver: 0, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, { subject: ids.alice, issuer: 'herald', audience: 'herald' });
      expect((await refused({ token: expired })).data?.code).toBe('token_expired');
    });

    it('accepts the token in an Authorization header too', async () => {
      const s = await connectSocket(server.url, {}, { extraHeaders: { Authorization: `Bearer ${tokens.dave}` }, transports: ['polling'] });
      expect(s.socket.connected).toBe(true);
      s.close();
    });

    it('refuses a malformed lastSeenId', async () => {
      const err = await refused({ token: tokens.alice, lastSeenId: 'abc' });
      expect(err.message).toBe('bad_request');
    });
  });

  it('delivers an order event to the owner and the orders room, once each, and to nobody else', async () => {
    const sockets = Object.fromEntries(
      await Promise.all(Object.keys(tokens).map(async (name) => [name, await connectSocket(server.url, { token: tokens[name] })] as const)),
    );
    try {
      await recordOrderEvent(server, 'order.created', ids.alice);
      for (const name of ['admin', 'alice', 'bob', 'erin']) {
        await sockets[name].waitFor(() => sockets[name].received.length >= 1, 10_000, `${name}'s notification`);
      }
      await sleep(500);
      for (const name of ['admin', 'alice', 'bob', 'erin']) {
        expect(sockets[name].received).toHaveLength(1);
        expect(sockets[name].received[0]).toMatchObject({ type: 'order.created', source: 'orders', data: { number: 'SO-2026-000001', link: '/orders/1' } });
      }
      expect(sockets.alice.received[0].room).toMatch(/^(orders|user:\d+)$/);
      expect(sockets.carol.received).toHaveLength(0);
      expect(sockets.dave.received).toHaveLength(0);
    } finally {
      Object.values(sockets).forEach((s) => s.close());
    }
  });

  it('exposes socket and pipeline metrics', async () => {
    const s = await connectSocket(server.url, { token: tokens.erin });
    try {
      const metrics = await server.request('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/^herald_sockets_connected 1$/m);
      expect(metrics.body).toMatch(/^herald_outbox_pending \d+$/m);
      expect(metrics.body).toMatch(/^herald_notifications_delivered_total\{mode="live"\} \d+$/m);
    } finally {
      s.close();
    }
  });

  it('does not let a lastSeenId beyond every committed id hide the next notifications', async () => {
    const s = await connectSocket(server.url, { token: tokens.erin, lastSeenId: '9000000000' });
    try {
      await s.waitFor(() => s.replayDone.length === 1);
      // The server says where it clamped the cursor, so a client can adopt it.
      expect(s.replayDone[0]).toEqual({ count: 0, lastId: null, position: expect.stringMatching(/^\d+$/) });
      expect(BigInt(s.replayDone[0].position!)).toBeLessThan(9000000000n);
      await recordOrderEvent(server, 'order.created', ids.alice);
      await s.waitFor(() => s.received.length === 1);
    } finally {
      s.close();
    }
  });

  it('ignores client attempts to join rooms', async () => {
    const dave = await connectSocket(server.url, { token: tokens.dave });
    try {
      const answers = await Promise.all(
        ['join', 'subscribe', 'room:join'].map((event) => dave.socket.timeout(2000).emitWithAck(event, { room: 'orders' })),
      );
      for (const a of answers) expect(a).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      await recordOrderEvent(server, 'order.created', ids.alice);
      await sleep(1500);
      expect(dave.received).toHaveLength(0);
    } finally {
      dave.close();
    }
  });

  it('replays what a client missed after lastSeenId, then goes live', async () => {
    const first = await connectSocket(server.url, { token: tokens.bob });
    await recordOrderEvent(server, 'order.paid', ids.alice, 'paid');
    await first.waitFor(() => first.received.length === 1);
    const seen = first.received[0].id;
    first.close();
    await recordOrderEvent(server, 'order.shipped', ids.alice, 'shipped');
    await recordOrderEvent(server, 'order.delivered', ids.alice, 'delivered');
    await sleep(300);
    const again = await connectSocket(server.url, { token: tokens.bob, lastSeenId: seen });
    try {
      await again.waitFor(() => again.replayDone.length === 1);
      expect(again.received.map((n) => n.type)).toEqual(['order.shipped', 'order.delivered']);
      expect(again.replayDone[0]).toEqual({ count: 2, lastId: again.received[1].id, position: again.received[1].id });
      await recordOrderEvent(server, 'order.cancelled', ids.alice, 'cancelled');
      await again.waitFor(() => again.received.length === 3);
      expect(again.received[2].type).toBe('order.cancelled');
    } finally {
      again.close();
    }
  });
});
