import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep } from './support/sockets';
import { until } from './support/wait';

/** Issue 4: order events, approval events and push notifications arrive interleaved in one ordered stream. */
describe('one feed', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('an admin receives orders, approvals and pushes interleaved, in commit order, once each — also across a reconnect', async () => {
    const users = Object.fromEntries(
      await Promise.all(['admin', 'alice', 'carol', 'dave', 'erin'].map(async (n) => [n, await server.login(n)] as const)),
    );
    const { push } = await pushClient(server, 'feed');
    const call = async (who: string, method: string, path: string, body?: unknown) => {
      const res = await server.request(method, path, { token: users[who].accessToken, body });
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    let admin = await connectSocket(server.url, { token: users.admin.accessToken });
    const received = [];

    // Domain events become notifications when the dispatcher writes them, after the call has answered; a push is
    // written by its own call. The test waits for each event's notification before the next push, so the commit
    // order it expects is the order of the calls (without the waits, a fast push may commit first, as designed).
    const order = await call('alice', 'POST', '/api/orders', { customer: 'Feed Ltd', items: [{ sku: 'A-1', name: 'Widget', qty: 2, unitPrice: '9.95' }] });
    await admin.waitFor(() => admin.received.length === 1, 10_000, 'order.created');
    await push({ to: { all: true }, type: 'system.notice', title: 'Notice 1' });
    const approval = await call('dave', 'POST', '/api/approvals', { kind: 'expense', title: 'Taxi', amount: '42.00', approverIds: [users.carol.user.id] });
    await call('erin', 'POST', `/api/orders/${order.id}/transition`, { to: 'paid', version: order.version });
    await admin.waitFor(() => admin.received.length === 4, 10_000, 'the first four');
    admin.close();
    received.push(...admin.received);
    const lastSeenId = admin.received[3].id;

    // While the admin is away:
    await call('carol', 'POST', `/api/approvals/${approval.id}/decision`, { decision: 'approve', comment: 'ok', version: approval.version });
    await until(async () => {
      const inbox = (await call('admin', 'GET', `/api/notifications?after=${lastSeenId}`)) as { items: Array<{ type: string }> };
      return inbox.items.some((n) => n.type === 'approval.approved');
    }, 'approval.approved written by the dispatcher');
    await push({ to: { rooms: ['role:admin'] }, type: 'system.notice', title: 'Notice 2' });

    admin = await connectSocket(server.url, { token: users.admin.accessToken, lastSeenId });
    await admin.waitFor(() => admin.replayDone.length === 1);
    await call('dave', 'POST', '/api/approvals', { kind: 'leave', title: 'Holiday', approverIds: [users.carol.user.id] });
    await admin.waitFor(() => admin.received.length === 3, 10_000, 'two missed and one live');
    await sleep(300);
    admin.close();
    received.push(...admin.received);

    expect(received.map((n) => n.type)).toEqual([
      'order.created',
      'system.notice',
      'approval.submitted',
      'order.paid',
      'approval.approved',
      'system.notice',
      'approval.submitted',
    ]);
    const ids = received.map((n) => BigInt(n.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    expect(received.map((n) => n.source)).toEqual(['orders', 'push:feed', 'approvals', 'orders', 'approvals', 'push:feed', 'approvals']);
    expect(received[4].data).toMatchObject({ decision: 'approve', comment: 'ok', link: `/approvals/${approval.id}` });
  });
});
