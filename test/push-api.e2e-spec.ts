import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep, TestSocket } from './support/sockets';

describe('push API for other systems', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  let keyId: string;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    ({ push, keyId } = await pushClient(server));
    await loginAll(server, { tokens, ids });
    adminToken = tokens.admin;
  });
  afterAll(() => server?.stop());

  async function connectAll(names: string[]): Promise<Record<string, TestSocket>> {
    return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await connectSocket(server.url, { token: tokens[n] })] as const)));
  }

  it('sends to one user: only that user receives it, and the answer counts recipients and online users', async () => {
    const sockets = await connectAll(['alice', 'bob']);
    try {
      const res = await push({ to: { userIds: [ids.alice] }, type: 'payment.received', title: 'Payment received', body: '¥1,200.00', data: { invoice: 'INV-7' } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ ids: [expect.stringMatching(/^\d+$/)], recipients: 1, online: 1 });
      await sockets.alice.waitFor(() => sockets.alice.received.length === 1);
      expect(sockets.alice.received[0]).toMatchObject({
        id: res.body.ids[0],
        type: 'payment.received',
        title: 'Payment received',
        body: '¥1,200.00',
        data: { invoice: 'INV-7' },
        room: `user:${ids.alice}`,
        source: 'push:test-system',
        readAt: null,
      });
      await sleep(300);
      expect(sockets.bob.received).toHaveLength(0);
    } finally {
      Object.values(sockets).forEach((s) => s.close());
    }
  });

  it('counts an offline recipient as a recipient but not online', async () => {
    const res = await push({ to: { userIds: [ids.dave] }, type: 'hr.notice', title: 'Payslip ready' });
    expect(res.body).toMatchObject({ recipients: 1, online: 0 });
  });

  it('sends to a room: everyone in it once, nobody outside', async () => {
    const sockets = await connectAll(['admin', 'alice', 'bob', 'carol', 'dave', 'erin']);
    try {
      const res = await push({ to: { rooms: ['role:warehouse', 'orders'] }, type: 'stock.low', title: 'Stock low: SKU-1' });
      expect(res.body).toMatchObject({ recipients: 4, online: 4 }); // admin, alice, bob, erin
      for (const n of ['admin', 'alice', 'bob', 'erin']) await sockets[n].waitFor(() => sockets[n].received.length === 1);
      await sleep(300);
      for (const n of ['admin', 'alice', 'bob', 'erin']) expect(sockets[n].received).toHaveLength(1);
      expect(sockets.bob.received[0].room).toMatch(/^(role:warehouse|orders)$/);
      expect(sockets.carol.received).toHaveLength(0);
      expect(sockets.dave.received).toHaveLength(0);
    } finally {
      Object.values(sockets).forEach((s) => s.close());
    }
  });

  it('sends to everyone', async () => {
    const sockets = await connectAll(['carol', 'dave']);
    try {
      const res = await push({ to: { all: true }, type: 'system.maintenance', title: 'Maintenance at 22:00' });
      expect(res.body).toMatchObject({ recipients: 6, online: 2 });
      await sockets.carol.waitFor(() => sockets.carol.received.length === 1);
      await sockets.dave.waitFor(() => sockets.dave.received.length === 1);
      expect(sockets.dave.received[0].room).toBe('all');
    } finally {
      Object.values(sockets).forEach((s) => s.close());
    }
  });

  it('creates one notification for a repeated idempotencyKey and answers the same', async () => {
    const body = { to: { userIds: [ids.erin] }, type: 'invoice.paid', title: 'Invoice paid', idempotencyKey: 'inv-42-paid' };
    const first = await push(body);
    const again = await push(body);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const inbox = await server.request('GET', '/api/notifications?limit=100', { token: tokens.erin });
    expect(inbox.body.items.filter((n: { type: string }) => n.type === 'invoice.paid')).toHaveLength(1);
    const different = await push({ ...body, title: 'Something else' });
    expect(different.status).toBe(409);
    expect(different.body.message).toMatch(/idempotencyKey/);
  });

  it('refuses missing, unknown and revoked keys with 401', async () => {
    const body = { to: { all: true }, type: 'a.b', title: 'x' };
    expect((await server.request('POST', '/api/push', { body })).status).toBe(401);
    expect((await server.request('POST', '/api/push', { body, headers: { 'x-api-key': 'hk_nope_nope' } })).status).toBe(401);
    const other = await pushClient(server, 'to-revoke');
    expect((await other.push(body)).status).toBe(202);
    expect((await server.request('DELETE', `/api/api-keys/${other.keyId}`, { token: adminToken })).status).toBe(204);
    expect((await server.request('DELETE', '/api/api-keys/987654', { token: adminToken })).status).toBe(404);
    const after = await other.push(body);
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Unknown or revoked API key.', code: 'invalid_api_key', requestId: expect.any(String) });
  });

  it('lets only admins manage keys, shows a key once and never its hash', async () => {
    expect((await server.request('POST', '/api/api-keys', { token: tokens.alice, body: { name: 'x' } })).status).toBe(403);
    const list = await server.request('GET', '/api/api-keys', { token: adminToken });
    expect(list.status).toBe(200);
    expect(list.body.find((k: { id: string }) => k.id === keyId)).toEqual({
      id: keyId,
      name: 'test-system',
      prefix: expect.stringMatching(/^hk_/),
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      revokedAt: null,
    });
    expect(JSON.stringify(list.body)).not.toMatch(/key_hash|"key"/);
  });

  it('enforces the limits with clear errors', async () => {
    const big = await push({ to: { all: true }, type: 'a.b', title: 'x', data: { blob: 'x'.repeat(17 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.body.message).toMatch(/data is \d+ bytes/);
    const cases: Array<[unknown, RegExp]> = [
      [{ to: {}, type: 'a.b', title: 'x' }, /to: give at least one/],
      [{ to: { rooms: ['secret-room'] }, type: 'a.b', title: 'x' }, /to\.rooms/],
      [{ to: { userIds: ['abc'] }, type: 'a.b', title: 'x' }, /to\.userIds/],
      [{ to: { userIds: ['999999'] }, type: 'a.b', title: 'x' }, /no user with id 999999/],
      [{ to: { all: false }, type: 'a.b', title: 'x' }, /to\.all/],
      [{ to: { all: true }, type: 'Bad Type', title: 'x' }, /^type: must look like entity.verb/],
      [{ to: { all: true }, type: 'a.b', title: '' }, /title/],
      [{ to: { all: true }, type: 'a.b', title: 'x', extra: 1 }, /extra: unknown field/],
      [{ to: { all: true }, type: 'a.b', title: 'x', data: 'text' }, /data/],
    ];
    for (const [body, message] of cases) {
      const res = await push(body);
      expect({ status: res.status, message: res.body.message }).toEqual({ status: 400, message: expect.stringMatching(message) });
    }
  });

  it('rate-limits a key with 429 and Retry-After', async () => {
    const limited = await startTestServer({ db: server.db, env: { PUSH_RATE_PER_SECOND: '2' } });
    try {
      const { push: slowPush } = await pushClient(limited, 'slow');
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(await slowPush({ to: { userIds: [ids.dave] }, type: 'a.b', title: `n${i}` }));
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused[0].body.message).toMatch(/limited to 2 pushes per second/);
    } finally {
      await limited.stop();
    }
  });
});
