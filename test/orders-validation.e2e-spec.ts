import type { OrderDto } from '@herald/contracts';
import { startTestServer, TestServer } from './support/server';

/** Every field of the order API validated with a 400 that names it; pages and filters. */
describe('orders: validation and pagination', () => {
  let server: TestServer;
  let alice: string;
  let admin: string;
  let aliceId: string;
  const item = { sku: 'W-1', name: 'Widget', qty: 1, unitPrice: '1.00' };
  const valid = { customer: 'ACME', items: [item] };

  beforeAll(async () => {
    server = await startTestServer();
    const login = await server.login('alice');
    alice = login.accessToken;
    aliceId = login.user.id;
    admin = (await server.login('admin')).accessToken;
  });
  afterAll(() => server?.stop());

  const create = (body: unknown) => server.request('POST', '/api/orders', { token: alice, body });

  it.each([
    ['customer', { items: [item] }],
    ['customer', { ...valid, customer: '' }],
    ['customer', { ...valid, customer: '   ' }],
    ['customer', { ...valid, customer: 'x'.repeat(201) }],
    ['customer', { ...valid, customer: 42 }],
    ['items', { customer: 'ACME' }],
    ['items', { ...valid, items: [] }],
    ['items', { ...valid, items: 'many' }],
    ['items', { ...valid, items: Array.from({ length: 201 }, () => item) }],
    ['items.0.sku', { ...valid, items: [{ ...item, sku: undefined }] }],
    ['items.0.sku', { ...valid, items: [{ ...item, sku: 'x'.repeat(65) }] }],
    ['items.0.name', { ...valid, items: [{ ...item, name: '' }] }],
    ['items.0.qty', { ...valid, items: [{ ...item, qty: 0 }] }],
    ['items.0.qty', { ...valid, items: [{ ...item, qty: -1 }] }],
    ['items.0.qty', { ...valid, items: [{ ...item, qty: 1.5 }] }],
    ['items.0.qty', { ...valid, items: [{ ...item, qty: '3' }] }],
    ['items.0.qty', { ...valid, items: [{ ...item, qty: 1_000_001 }] }],
    ['items.1.unitPrice', { ...valid, items: [item, { ...item, unitPrice: -1 }] }],
    ['items.0.unitPrice', { ...valid, items: [{ ...item, unitPrice: '1.234' }] }],
    ['items.0.unitPrice', { ...valid, items: [{ ...item, unitPrice: 1.234 }] }],
    ['items.0.unitPrice', { ...valid, items: [{ ...item, unitPrice: '1e3' }] }],
    ['items.0.unitPrice', { ...valid, items: [{ ...item, unitPrice: null }] }],
    ['items.0.unitPrice', { ...valid, items: [{ ...item, unitPrice: 'free' }] }],
    ['items.0.color', { ...valid, items: [{ ...item, color: 'red' }] }],
    ['note', { ...valid, note: 'x'.repeat(2001) }],
    ['note', { ...valid, note: 7 }],
    ['ownerId', { ...valid, ownerId: '1' }],
  ])('refuses a bad %s on create with a 400 naming it', async (field, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`${field}:`);
  });

  it('refuses a total larger than numeric(14,2) holds with a 400, not a database error', async () => {
    const res = await create({ ...valid, items: [{ ...item, qty: 1_000_000, unitPrice: '999999999.99' }] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^items\.0: /);
    const sum = await create({ ...valid, items: Array.from({ length: 200 }, () => ({ ...item, qty: 1_000_000, unitPrice: '999999.99' })) });
    expect(sum.status).toBe(400);
    expect(sum.body.message).toMatch(/^items: the order total exceeds/);
  });

  it('accepts the edges: 200 items, qty 1,000,000, price 0, 2000-character note', async () => {
    const res = await create({ customer: 'x'.repeat(200), items: Array.from({ length: 200 }, (_, i) => ({ sku: `S${i}`, name: 'n', qty: i === 0 ? 1_000_000 : 1, unitPrice: i === 0 ? '0.01' : 0 })), note: 'n'.repeat(2000) });
    expect(res.status).toBe(201);
    expect(res.body.total).toBe('10000.00');
    expect(res.body.items).toHaveLength(200);
  });

  it('validates edits and transitions field by field', async () => {
    const order = (await create(valid)).body as OrderDto;
    const patch = (body: unknown) => server.request('PATCH', `/api/orders/${order.id}`, { token: alice, body });
    for (const [field, body] of [
      ['version', { note: 'x' }],
      ['version', { note: 'x', version: '1' }],
      ['version', { note: 'x', version: 0 }],
      ['items', { items: [], version: 1 }],
      ['items.0.qty', { items: [{ ...item, qty: 0 }], version: 1 }],
      ['customer', { customer: '', version: 1 }],
      ['status', { status: 'paid', version: 1 }],
    ] as const) {
      const res = await patch(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`${field}:`);
    }
    expect((await patch({ version: 1 })).body.message).toMatch(/at least one of customer, items or note/);
    const move = (body: unknown) => server.request('POST', `/api/orders/${order.id}/transition`, { token: admin, body });
    for (const [field, body] of [
      ['to', { version: 1 }],
      ['to', { to: 'created', version: 1 }],
      ['to', { to: 'lost', version: 1 }],
      ['version', { to: 'paid' }],
      ['version', { to: 'paid', version: 1.5 }],
    ] as const) {
      const res = await move(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`${field}:`);
    }
    for (const bad of ['abc', '0', '-1', '99999999999999999999']) {
      const res = await server.request('GET', `/api/orders/${bad}`, { token: alice });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^id:/);
    }
  });

  it('pages newest first with an opaque cursor, filters by status and owner, and validates the query', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 23; i++) mine.push(((await create({ ...valid, customer: `C${i}` })).body as OrderDto).id);
    const adminOrder = (await server.request('POST', '/api/orders', { token: admin, body: valid })).body as OrderDto;
    const paid = await server.request('POST', `/api/orders/${mine[0]}/transition`, { token: admin, body: { to: 'paid', version: 1 } });
    expect(paid.status).toBe(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await server.request('GET', `/api/orders?ownerId=${aliceId}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: admin });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((o: OrderDto) => o.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    const allMine = (await server.request('GET', `/api/orders?ownerId=${aliceId}&limit=100`, { token: admin })).body.items.map((o: OrderDto) => o.id);
    expect(seen).toEqual(allMine);
    expect(pages).toBe(Math.ceil(allMine.length / 10));
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
    expect(seen).toEqual(expect.arrayContaining(mine));
    expect(seen).not.toContain(adminOrder.id);

    const first = await server.request('GET', '/api/orders', { token: alice });
    expect(first.body.items).toHaveLength(20);
    expect(first.body.items[0].id).toBe(adminOrder.id);
    const paidOnly = await server.request('GET', '/api/orders?status=paid', { token: alice });
    expect(paidOnly.body).toEqual({ items: [expect.objectContaining({ id: mine[0], status: 'paid' })], nextCursor: null });

    for (const [field, query] of [
      ['limit', 'limit=0'],
      ['limit', 'limit=101'],
      ['limit', 'limit=ten'],
      ['limit', 'limit=1.5'],
      ['status', 'status=lost'],
      ['ownerId', 'ownerId=alice'],
      ['cursor', 'cursor=bm90LWEtY3Vyc29y'],
      ['cursor', `cursor=${'x'.repeat(201)}`],
      ['sort', 'sort=id'],
    ]) {
      const res = await server.request('GET', `/api/orders?${query}`, { token: alice });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`${field}:`);
    }
  });

  it('documents the order and approval endpoints in the OpenAPI description', async () => {
    const res = await server.request('GET', '/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/orders', '/api/orders/{id}', '/api/orders/{id}/transition', '/api/approvals', '/api/approvals/{id}/decision', '/api/approvals/{id}/withdraw']),
    );
    expect(res.body.paths['/api/orders'].post.security).toEqual([{ bearer: [] }]);
    expect(res.body.components.schemas.CreateOrderDto.required).toEqual(expect.arrayContaining(['customer', 'items']));
  });
});
