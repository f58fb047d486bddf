import { Client } from 'pg';
import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { eventually, startSmtpReceiver } from './support/receivers';
import { connectSocket, sleep } from './support/sockets';

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** GET/PUT /api/me/preferences: muted types arrive read with no fallback, quiet hours hold fallbacks, critical ignores both. */
describe('notification preferences', () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    server = await startTestServer({ env: { SMTP_URL: smtp.url, PUSH_RATE_PER_SECOND: '1000' } });
    ({ push } = await pushClient(server));
    await loginAll(server, { tokens, ids });
    for (const name of ['bob', 'carol', 'dave']) {
      expect((await server.request('PATCH', `/api/users/${ids[name]}`, { token: tokens.admin, body: { email: `${name}@example.com` } })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  const prefs = (name: string, body?: unknown) => server.request(body === undefined ? 'GET' : 'PUT', '/api/me/preferences', { token: tokens[name], body });
  const inbox = async (name: string) => (await server.request('GET', '/api/notifications', { token: tokens[name] })).body.items as Array<{ id: string; type: string; readAt: string | null }>;
  const deliveriesOf = async (id: string) => (await server.request('GET', `/api/admin/deliveries?notificationId=${id}`, { token: tokens.admin })).body.items as Array<Record<string, any>>;
  const mailsTo = (address: string, since: number) => smtp.mails.slice(since).filter((m) => m.to.includes(address));

  it('answers the defaults, then what was put', async () => {
    expect((await prefs('carol')).body).toEqual({ muted: [], fallback: { email: true }, quietHours: null });
    const body = { muted: ['payment.*', 'order.paid', 'payment.*'], fallback: { email: true }, quietHours: null };
    const put = await prefs('carol', body);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ muted: ['payment.*', 'order.paid'], fallback: { email: true }, quietHours: null });
    expect((await prefs('carol')).body).toEqual(put.body);
  });

  it('a muted type arrives already read (live and in the inbox), adds no unread and sends no fallback; others are unaffected', async () => {
    const socket = await connectSocket(server.url, { token: tokens.carol });
    try {
      const since = smtp.mails.length;
      const unreadBefore = (await server.request('GET', '/api/notifications/unread-count', { token: tokens.carol })).body.count;
      const res = await push({ to: { userIds: [ids.carol, ids.dave] }, type: 'payment.received', title: 'Payment received', fallback: { after: 0, channels: ['email'] } });
      const id = res.body.ids[0];
      await socket.waitFor(() => socket.received.some((n) => n.id === id));
      expect(socket.received.find((n) => n.id === id)?.readAt).not.toBeNull();
      expect((await inbox('carol')).find((n) => n.id === id)?.readAt).not.toBeNull();
      expect((await inbox('dave')).find((n) => n.id === id)?.readAt).toBeNull();
      expect((await server.request('GET', '/api/notifications/unread-count', { token: tokens.carol })).body.count).toBe(unreadBefore);
      await eventually(() => mailsTo('dave@example.com', since).length === 1, "dave's email");
      await sleep(500);
      expect(mailsTo('carol@example.com', since)).toHaveLength(0);
      expect((await deliveriesOf(id)).map((d) => d.recipient)).toEqual(['dave@example.com']);
    } finally {
      socket.close();
    }
  });

  it('mutes domain events too: order.paid arrives read for a muting warehouse user', async () => {
    expect((await prefs('bob', { muted: ['order.paid'] })).status).toBe(200);
    const created = await server.request('POST', '/api/orders', { token: tokens.alice, body: { customer: 'ACME', items: [{ sku: 'W-1', name: 'Widget', qty: 1, unitPrice: '5.00' }] } });
    expect(created.status).toBe(201);
    const paid = await server.request('POST', `/api/orders/${created.body.id}/transition`, { token: tokens.erin, body: { to: 'paid', version: created.body.version } });
    expect(paid.status).toBe(200);
    await eventually(async () => (await inbox('bob')).some((n) => n.type === 'order.paid'), 'order.paid in bob’s inbox');
    expect((await inbox('bob')).find((n) => n.type === 'order.paid')?.readAt).not.toBeNull();
    expect((await inbox('admin')).find((n) => n.type === 'order.paid')?.readAt).toBeNull();
  });

  it('quiet hours hold a fallback until they end; a critical notice ignores them and mutes', async () => {
    const now = new Date();
    const quietHours = { start: hhmm(new Date(now.getTime() - 3600_000)), end: hhmm(new Date(now.getTime() + 3600_000)), timeZone: 'UTC' };
    expect((await prefs('dave', { quietHours })).body.quietHours).toEqual(quietHours);
    const since = smtp.mails.length;
    const held = await push({ to: { userIds: [ids.dave] }, type: 'stock.count', title: 'Held by quiet hours', fallback: { after: 0, channels: ['email'] } });
    const heldId = held.body.ids[0];
    await eventually(async () => (await deliveriesOf(heldId)).length === 1, 'the held delivery');
    const [delivery] = await deliveriesOf(heldId);
    expect(delivery.status).toBe('pending');
    const heldUntil = new Date(delivery.heldUntil).getTime();
    const expectedEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), Number(quietHours.end.slice(0, 2)), Number(quietHours.end.slice(3)));
    expect([expectedEnd, expectedEnd + 86_400_000]).toContain(heldUntil);
    expect(new Date(delivery.nextAttemptAt).getTime()).toBe(heldUntil);

    // Critical: through quiet hours (dave) and through a mute (carol mutes payment.*).
    const critical = await push({ to: { userIds: [ids.dave, ids.carol] }, type: 'payment.failed', title: 'Payroll payment failed', priority: 'critical', fallback: { after: 0, channels: ['email'] } });
    const criticalId = critical.body.ids[0];
    expect((await inbox('carol')).find((n) => n.id === criticalId)?.readAt).toBeNull();
    await eventually(() => mailsTo('dave@example.com', since).length === 1 && mailsTo('carol@example.com', since).length === 1, 'both critical emails');
    expect(mailsTo('dave@example.com', since)[0].subject).toContain('Payroll payment failed');
    await sleep(500);
    expect(mailsTo('dave@example.com', since)).toHaveLength(1); // the held one is still held

    // The end of the quiet hours, brought forward in the database: the held email goes out.
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      await db.query(`UPDATE deliveries SET next_attempt_at = now() WHERE id = $1`, [delivery.id]);
    } finally {
      await db.end();
    }
    await eventually(() => mailsTo('dave@example.com', since).length === 2, 'the held email after the quiet hours');
    expect(mailsTo('dave@example.com', since)[1].subject).toContain('Held by quiet hours');
    await prefs('dave', {});
  });

  it('a held email is not sent when it was read during the quiet hours', async () => {
    const now = new Date();
    await prefs('dave', { quietHours: { start: hhmm(new Date(now.getTime() - 3600_000)), end: hhmm(new Date(now.getTime() + 3600_000)), timeZone: 'UTC' } });
    const res = await push({ to: { userIds: [ids.dave] }, type: 'stock.count', title: 'Read overnight', fallback: { after: 0, channels: ['email'] } });
    const id = res.body.ids[0];
    await eventually(async () => (await deliveriesOf(id)).length === 1, 'the held delivery');
    await server.request('POST', '/api/notifications/read', { token: tokens.dave, body: { ids: [id] } });
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      await db.query(`UPDATE deliveries SET next_attempt_at = now() WHERE notification_id = $1`, [id]);
    } finally {
      await db.end();
    }
    await eventually(async () => (await deliveriesOf(id))[0].status === 'cancelled', 'cancelled');
    expect((await deliveriesOf(id))[0].lastError).toContain('read');
    await prefs('dave', {});
  });

  it('refuses bad preferences with a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ muted: ['Order.Updated'] }, 'muted'],
      [{ muted: ['order'] }, 'muted'],
      [{ muted: ['order.*.paid'] }, 'muted'],
      [{ muted: 'order.paid' }, 'muted'],
      [{ muted: Array.from({ length: 101 }, (_, i) => `t.type${i}`) }, 'muted'],
      [{ fallback: { email: 'yes' } }, 'fallback.email'],
      [{ fallback: { sms: true } }, 'fallback.sms'],
      [{ quietHours: { start: '25:00', end: '08:00', timeZone: 'Asia/Shanghai' } }, 'quietHours.start'],
      [{ quietHours: { start: '22:00', end: '8:00', timeZone: 'Asia/Shanghai' } }, 'quietHours.end'],
      [{ quietHours: { start: '22:00', end: '22:00', timeZone: 'Asia/Shanghai' } }, 'quietHours.end'],
      [{ quietHours: { start: '22:00', end: '08:00', timeZone: 'Mars/Olympus_Mons' } }, 'quietHours.timeZone'],
      [{ quietHours: { start: '22:00', end: '08:00', timeZone: '+08:00' } }, 'quietHours.timeZone'],
      [{ quietHours: { start: '22:00', end: '08:00' } }, 'quietHours.timeZone'],
      [{ quietHours: '22:00-08:00' }, 'quietHours'],
      [{ theme: 'dark' }, 'theme'],
    ];
    for (const [body, field] of cases) {
      const res = await prefs('erin', body);
      expect({ body, status: res.status, field: res.body.field }).toEqual({ body, status: 400, field });
    }
    expect((await prefs('erin', { quietHours: { start: '22:00', end: '08:00', timeZone: 'Asia/Shanghai' } })).status).toBe(200);
    expect((await server.request('GET', '/api/me/preferences')).status).toBe(401);
  });
});
