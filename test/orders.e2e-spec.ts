import { Client } from 'pg';
import type { OrderDto } from '@herald/contracts';
import { loginAll, startTestServer, TestServer } from './support/server';

/** The whole order story and every permission rule, against real PostgreSQL. */
describe('orders', () => {
  let server: TestServer;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await loginAll(server, { tokens: token, ids: id });
    // A second sales person, to prove "own orders only".
    const created = await server.request('POST', '/api/users', { token: token.admin, body: { username: 'sam', password: 'sam-password-1', roles: ['sales'] } });
    expect(created.status).toBe(201);
    const sam = await server.login('sam', 'sam-password-1');
    token.sam = sam.accessToken;
    id.sam = sam.user.id;
  });
  afterAll(() => server?.stop());

  const call = (who: string, method: string, path: string, body?: unknown) => server.request(method, path, { token: token[who], body });
  const newOrder = async (who = 'alice', body: Record<string, unknown> = {}): Promise<OrderDto> => {
    const res = await call(who, 'POST', '/api/orders', { customer: 'ACME GmbH', items: [{ sku: 'W-1', name: 'Widget', qty: 2, unitPrice: '5.00' }], ...body });
    expect(res.status).toBe(201);
    return res.body as OrderDto;
  };
  const move = (who: string, order: { id: string; version: number }, to: string) =>
    call(who, 'POST', `/api/orders/${order.id}/transition`, { to, version: order.version });

  /** The domain events recorded (outbox rows) for one order, oldest first. */
  async function eventsOf(orderId: string): Promise<Array<{ type: string; actor_id: string; payload: any }>> {
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT type, actor_id::text, payload FROM outbox WHERE aggregate_id = $1 AND type LIKE 'order.%' ORDER BY id`, [orderId]);
      return rows;
    } finally {
      await db.end();
    }
  }

  it('runs the whole story: created, edited, paid, shipped, delivered, with exact totals and one event per change', async () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004: totals must come out exact.
    const created = await call('alice', 'POST', '/api/orders', {
      customer: 'ACME GmbH',
      items: [
        { sku: 'W-1', name: 'Widget', qty: 3, unitPrice: '19.90' },
        { sku: 'C-1', name: 'Cable', qty: 1, unitPrice: 0.1 },
        { sku: 'C-2', name: 'Clip', qty: 1, unitPrice: 0.2 },
      ],
      note: 'Deliver before noon',
    });
    expect(created.status).toBe(201);
    const order = created.body as OrderDto;
    expect(order).toMatchObject({ customer: 'ACME GmbH', status: 'created', ownerId: id.alice, version: 1, total: '60.00', note: 'Deliver before noon' });
    expect(order.number).toMatch(new RegExp(`^SO-${new Date().getUTCFullYear()}-\\d{6}$`));
    expect(order.items).toEqual([
      { sku: 'W-1', name: 'Widget', qty: 3, unitPrice: '19.90', lineTotal: '59.70' },
      { sku: 'C-1', name: 'Cable', qty: 1, unitPrice: '0.10', lineTotal: '0.10' },
      { sku: 'C-2', name: 'Clip', qty: 1, unitPrice: '0.20', lineTotal: '0.20' },
    ]);

    const edited = await call('alice', 'PATCH', `/api/orders/${order.id}`, { items: [{ sku: 'W-1', name: 'Widget', qty: 1000, unitPrice: '0.07' }], version: 1 });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ total: '70.00', version: 2, customer: 'ACME GmbH', note: 'Deliver before noon' });
    expect(edited.body.items).toHaveLength(1);

    const paid = await move('erin', edited.body, 'paid');
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', version: 3 });
    const shipped = await move('bob', paid.body, 'shipped');
    expect(shipped.body).toMatchObject({ status: 'shipped', version: 4 });
    const delivered = await move('bob', shipped.body, 'delivered');
    expect(delivered.body).toMatchObject({ status: 'delivered', version: 5 });

    const fetched = await call('bob', 'GET', `/api/orders/${order.id}`);
    expect(fetched.body).toEqual(delivered.body);

    const events = await eventsOf(order.id);
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.updated', 'order.paid', 'order.shipped', 'order.delivered']);
    expect(events.map((e) => e.actor_id)).toEqual([id.alice, id.alice, id.erin, id.bob, id.bob]);
    expect(events[2].payload).toEqual({
      order: { id: order.id, number: order.number, customer: 'ACME GmbH', total: '70.00', status: 'paid', ownerId: id.alice, itemCount: 1 },
      previousStatus: 'created',
      actor: { id: id.erin, displayName: expect.any(String) },
    });
    expect(events[0].payload.previousStatus).toBeUndefined();
  });

  it('lets sales, warehouse, finance and admins read orders, and refuses staff and managers', async () => {
    const order = await newOrder();
    for (const who of ['alice', 'sam', 'bob', 'erin', 'admin']) {
      expect((await call(who, 'GET', `/api/orders/${order.id}`)).status).toBe(200);
      expect((await call(who, 'GET', '/api/orders')).status).toBe(200);
    }
    for (const who of ['dave', 'carol']) {
      expect((await call(who, 'GET', `/api/orders/${order.id}`)).status).toBe(403);
      expect((await call(who, 'GET', '/api/orders')).status).toBe(403);
    }
    expect((await server.request('GET', '/api/orders')).status).toBe(401);
    expect((await call('bob', 'GET', '/api/orders/999999')).status).toBe(404);
  });

  it('lets only sales and admins create orders, owned by their creator', async () => {
    expect((await newOrder('admin')).ownerId).toBe(id.admin);
    for (const who of ['bob', 'erin', 'carol', 'dave']) {
      const res = await call(who, 'POST', '/api/orders', { customer: 'X', items: [{ sku: 'a', name: 'a', qty: 1, unitPrice: 1 }] });
      expect(res.status).toBe(403);
    }
  });

  it('lets the sales owner and admins edit, only while created', async () => {
    const order = await newOrder();
    for (const who of ['sam', 'bob', 'erin', 'dave', 'carol']) {
      expect((await call(who, 'PATCH', `/api/orders/${order.id}`, { customer: 'Mine now', version: 1 })).status).toBe(403);
    }
    const byAdmin = await call('admin', 'PATCH', `/api/orders/${order.id}`, { customer: 'Initech', note: null, version: 1 });
    expect(byAdmin.body).toMatchObject({ customer: 'Initech', note: null, version: 2, ownerId: id.alice });
    const paid = await move('erin', byAdmin.body, 'paid');
    const late = await call('alice', 'PATCH', `/api/orders/${order.id}`, { customer: 'Too late', version: paid.body.version });
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/is paid/);
  });

  it('gives each transition to its department and cancelling to the owner', async () => {
    const order = await newOrder();
    for (const who of ['alice', 'bob', 'sam']) expect((await move(who, order, 'paid')).status).toBe(403);
    const paid = (await move('erin', order, 'paid')).body as OrderDto;
    for (const who of ['alice', 'erin']) expect((await move(who, paid, 'shipped')).status).toBe(403);
    const shipped = (await move('bob', paid, 'shipped')).body as OrderDto;
    for (const who of ['alice', 'erin']) expect((await move(who, shipped, 'delivered')).status).toBe(403);
    expect((await move('bob', shipped, 'delivered')).status).toBe(200);

    const other = await newOrder();
    for (const who of ['sam', 'erin', 'bob']) expect((await move(who, other, 'cancelled')).status).toBe(403);
    const otherPaid = (await move('erin', other, 'paid')).body as OrderDto;
    const cancelled = await move('alice', otherPaid, 'cancelled');
    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 3 });
    expect((await eventsOf(other.id)).at(-1)).toMatchObject({ type: 'order.cancelled', payload: { previousStatus: 'paid' } });

    const third = await newOrder('sam');
    expect((await move('admin', third, 'cancelled')).body.status).toBe('cancelled');
    const fourth = await newOrder();
    const p = (await move('admin', fourth, 'paid')).body;
    const s = (await move('admin', p, 'shipped')).body;
    expect((await move('admin', s, 'delivered')).body.status).toBe('delivered');
  });

  it('refuses illegal transitions and stale versions with 409 saying the current state', async () => {
    const order = await newOrder();
    const skip = await move('bob', order, 'shipped');
    expect(skip.status).toBe(409);
    expect(skip.body.message).toBe(`Order ${order.number} is created (version 1); it cannot move to shipped: it can move to paid or cancelled.`);
    expect((await move('bob', order, 'delivered')).status).toBe(409);

    const paid = (await move('erin', order, 'paid')).body as OrderDto;
    const stale = await move('erin', order, 'paid');
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/is paid \(version 2\); you sent version 1/);
    const staleEdit = await call('alice', 'PATCH', `/api/orders/${order.id}`, { note: 'x', version: 1 });
    expect(staleEdit.status).toBe(409);

    const cancelled = (await move('alice', paid, 'cancelled')).body as OrderDto;
    const again = await move('erin', cancelled, 'paid');
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/is cancelled \(version 3\).*cannot change any more/);
    expect((await eventsOf(order.id)).map((e) => e.type)).toEqual(['order.created', 'order.paid', 'order.cancelled']);
  });

  it('lets exactly one of two concurrent writers of the same version win', async () => {
    const order = await newOrder();
    const [a, b] = await Promise.all([move('erin', order, 'paid'), move('alice', order, 'cancelled')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const fresh = await newOrder();
    const edits = await Promise.all([1, 2, 3].map((n) => call('alice', 'PATCH', `/api/orders/${fresh.id}`, { note: `n${n}`, version: 1 })));
    expect(edits.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect((await call('alice', 'GET', `/api/orders/${fresh.id}`)).body.version).toBe(2);
    expect((await eventsOf(order.id)).map((e) => e.type)).toHaveLength(2);
    expect((await eventsOf(fresh.id)).map((e) => e.type)).toEqual(['order.created', 'order.updated']);
  });

  it('lets only admins delete, and only created orders', async () => {
    const order = await newOrder();
    for (const who of ['alice', 'erin', 'bob']) expect((await call(who, 'DELETE', `/api/orders/${order.id}`)).status).toBe(403);
    expect((await call('admin', 'DELETE', `/api/orders/${order.id}`)).status).toBe(204);
    expect((await call('admin', 'GET', `/api/orders/${order.id}`)).status).toBe(404);
    expect((await call('admin', 'DELETE', `/api/orders/${order.id}`)).status).toBe(404);
    const paid = (await move('erin', await newOrder(), 'paid')).body as OrderDto;
    const refused = await call('admin', 'DELETE', `/api/orders/${paid.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/is paid.*cancel it instead/);
  });
});
