import type { Notification, OrderDto } from '@herald/contracts';
import { startTestServer, TestServer } from './support/server';
import { connectSocket, sleep, TestSocket } from './support/sockets';

/** The order story with every demo user connected: each event reaches the `orders` room once, and nobody else. */
describe('orders over sockets', () => {
  let server: TestServer;
  const token: Record<string, string> = {};
  const sockets: Record<string, TestSocket> = {};

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['admin', 'alice', 'bob', 'carol', 'dave', 'erin']) {
      token[name] = (await server.login(name)).accessToken;
      sockets[name] = await connectSocket(server.url, { token: token[name] });
    }
  });
  afterAll(async () => {
    Object.values(sockets).forEach((s) => s.close());
    await server?.stop();
  });

  const about = (who: string, orderId: string): Notification[] => sockets[who].received.filter((n) => n.data.orderId === orderId);

  it('delivers created, updated, paid, shipped, delivered to sales, warehouse, finance and admins exactly once each', async () => {
    const created = await server.request('POST', '/api/orders', { token: token.alice, body: { customer: 'Globex', items: [{ sku: 'G-1', name: 'Gadget', qty: 4, unitPrice: '12.25' }] } });
    let order = created.body as OrderDto;
    const steps: Array<[string, string]> = [['erin', 'paid'], ['bob', 'shipped'], ['bob', 'delivered']];
    order = (await server.request('PATCH', `/api/orders/${order.id}`, { token: token.alice, body: { note: 'Gift wrap', version: order.version } })).body;
    for (const [who, to] of steps) {
      const res = await server.request('POST', `/api/orders/${order.id}/transition`, { token: token[who], body: { to, version: order.version } });
      expect(res.status).toBe(200);
      order = res.body;
    }
    const expected = ['order.created', 'order.updated', 'order.paid', 'order.shipped', 'order.delivered'];
    for (const who of ['alice', 'bob', 'erin', 'admin']) {
      await sockets[who].waitFor(() => about(who, order.id).length >= expected.length, 10_000, `order events at ${who}`);
    }
    await sleep(500);
    for (const who of ['alice', 'bob', 'erin', 'admin']) expect(about(who, order.id).map((n) => n.type)).toEqual(expected);
    for (const who of ['carol', 'dave']) expect(sockets[who].received.filter((n) => n.type.startsWith('order.'))).toEqual([]);
    expect(about('bob', order.id)[2].data).toMatchObject({ number: order.number, customer: 'Globex', total: '49.00', status: 'paid', link: `/orders/${order.id}` });
  });
});
