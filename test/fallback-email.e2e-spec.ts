import { Client } from 'pg';
import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { eventually, startSmtpReceiver } from './support/receivers';
import { sleep } from './support/sockets';

const ENV = { MAIL_FROM: 'Herald <herald@test.example>', PUSH_RATE_PER_SECOND: '1000', DELIVERY_RETRY_BASE_MS: '100', DELIVERY_MAX_ATTEMPTS: '2' };

/** Fallback by email to a real SMTP server (smtp-server) started here; pushes with `fallback: {after: 1}`. */
describe('fallback email', () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    server = await startTestServer({ env: { ...ENV, SMTP_URL: smtp.url } });
    ({ push } = await pushClient(server));
    await loginAll(server, { tokens, ids });
    for (const name of ['alice', 'bob', 'dave']) {
      const res = await server.request('PATCH', `/api/users/${ids[name]}`, { token: tokens.admin, body: { email: `${name}@example.com` } });
      expect(res.status).toBe(200);
      expect(res.body.email).toBe(`${name}@example.com`);
    }
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  const deliveriesOf = async (notificationId: string) =>
    (await server.request('GET', `/api/admin/deliveries?notificationId=${notificationId}`, { token: tokens.admin })).body.items as Array<Record<string, unknown>>;

  it('emails an unread notification after its delay: recipient, subject and body as pushed', async () => {
    const before = smtp.mails.length;
    const started = Date.now();
    const res = await push({ to: { userIds: [ids.alice] }, type: 'invoice.overdue', title: 'Invoice INV-7 is overdue', body: 'Customer ACME owes ¥1,200.00', fallback: { after: 1, channels: ['email'] } });
    expect(res.status).toBe(202);
    const id = res.body.ids[0];
    await eventually(() => smtp.mails.length > before, 'the email');
    // Not before its delay.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const mail = smtp.mails[smtp.mails.length - 1];
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.from).toBe('herald@test.example');
    expect(mail.subject).toContain('Invoice INV-7 is overdue');
    expect(mail.raw).toMatch(/^To: alice@example\.com/im);
    expect(Buffer.from(mail.body.replace(/\s/g, ''), 'base64').toString('utf8') + mail.body).toContain('Customer ACME owes');
    await eventually(async () => (await deliveriesOf(id))[0]?.status === 'sent', 'the delivery recorded as sent');
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ notificationId: id, channelKind: 'email', userId: ids.alice, recipient: 'alice@example.com', status: 'sent', attempts: 1, remoteStatus: 250 });
    expect(delivery.remoteAnswer).toMatch(/^250/);
  });

  it('sends nothing to a recipient who read it before the delay, and emails only those who did not', async () => {
    const before = smtp.mails.length;
    const res = await push({ to: { userIds: [ids.bob, ids.dave] }, type: 'stock.count', title: 'Count shelf B-12', fallback: { after: 1, channels: ['email'] } });
    const id = res.body.ids[0];
    const read = await server.request('POST', '/api/notifications/read', { token: tokens.bob, body: { ids: [id] } });
    expect(read.status).toBe(200);
    await eventually(() => smtp.mails.length > before, 'the email to dave');
    await sleep(700);
    const sent = smtp.mails.slice(before);
    expect(sent.map((m) => m.to)).toEqual([['dave@example.com']]);
    const deliveries = await deliveriesOf(id);
    expect(deliveries.map((d) => d.recipient)).toEqual(['dave@example.com']);
  });

  it('read by everyone before the delay: no email and no delivery at all', async () => {
    const before = smtp.mails.length;
    const res = await push({ to: { userIds: [ids.alice] }, type: 'stock.count', title: 'Read in time', fallback: { after: 1, channels: ['email'] } });
    const id = res.body.ids[0];
    await server.request('POST', '/api/notifications/read-all', { token: tokens.alice });
    await sleep(2200);
    expect(smtp.mails.length).toBe(before);
    expect(await deliveriesOf(id)).toEqual([]);
  });

  it("uses the admins' default for a type when the push asks for none", async () => {
    const put = await server.request('PUT', '/api/admin/fallback-defaults/payroll.ready', { token: tokens.admin, body: { after: 1, channels: ['email'] } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ type: 'payroll.ready', after: 1, channels: ['email'] });
    expect((await server.request('GET', '/api/admin/fallback-defaults/payroll.ready', { token: tokens.admin })).body).toEqual(put.body);
    const before = smtp.mails.length;
    await push({ to: { userIds: [ids.dave] }, type: 'payroll.ready', title: 'Payslip for November' });
    await eventually(() => smtp.mails.length > before, 'the email from the default');
    expect(smtp.mails[smtp.mails.length - 1]).toMatchObject({ to: ['dave@example.com'], subject: expect.stringContaining('Payslip for November') });
    expect((await server.request('DELETE', '/api/admin/fallback-defaults/payroll.ready', { token: tokens.admin })).status).toBe(204);
  });

  it('a user who turned email fallbacks off gets none', async () => {
    const put = await server.request('PUT', '/api/me/preferences', { token: tokens.dave, body: { fallback: { email: false } } });
    expect(put.status).toBe(200);
    const before = smtp.mails.length;
    const res = await push({ to: { userIds: [ids.dave] }, type: 'stock.count', title: 'Opted out', fallback: { after: 0, channels: ['email'] } });
    await sleep(1500);
    expect(smtp.mails.length).toBe(before);
    expect(await deliveriesOf(res.body.ids[0])).toEqual([]);
    await server.request('PUT', '/api/me/preferences', { token: tokens.dave, body: {} });
  });

  it('an address the SMTP server refuses (550) is retried, then parked with the answer', async () => {
    await server.request('PATCH', `/api/users/${ids.carol}`, { token: tokens.admin, body: { email: 'nobody@example.com' } });
    const res = await push({ to: { userIds: [ids.carol] }, type: 'stock.count', title: 'Bounces', fallback: { after: 0, channels: ['email'] } });
    const id = res.body.ids[0];
    await eventually(async () => (await deliveriesOf(id))[0]?.status === 'parked', 'parked');
    const [d] = await deliveriesOf(id);
    expect(d).toMatchObject({ attempts: 2, remoteStatus: 550, recipient: 'nobody@example.com' });
    expect(d.parkedReason).toContain('No such mailbox');
    await server.request('PATCH', `/api/users/${ids.carol}`, { token: tokens.admin, body: { email: null } });
  });

  it('two instances on one database send each fallback once', async () => {
    const second = await startTestServer({ db: server.db, env: { ...ENV, SMTP_URL: smtp.url } });
    try {
      const before = smtp.mails.length;
      const pushed = [];
      for (let i = 0; i < 6; i++) pushed.push((await push({ to: { userIds: [ids.alice, ids.bob] }, type: 'stock.count', title: `Twice? ${i}`, fallback: { after: 1, channels: ['email'] } })).body.ids[0]);
      await eventually(() => smtp.mails.length >= before + 12, '12 emails');
      await sleep(1500);
      const sent = smtp.mails.slice(before);
      expect(sent).toHaveLength(12);
      expect(new Set(sent.map((m) => `${m.to[0]} ${m.subject}`)).size).toBe(12);
      for (const id of pushed) expect((await deliveriesOf(id)).map((d) => d.attempts)).toEqual([1, 1]);
    } finally {
      await second.stop({ keepDatabase: true });
    }
  });

  it('a broadcast records one fallback job, and expands it to each unread recipient with an email when due', async () => {
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      const before = smtp.mails.length;
      const res = await push({ to: { all: true }, type: 'hr.notice', title: 'Office closed on Friday', fallback: { after: 1, channels: ['email'] } });
      const id = res.body.ids[0];
      const jobs = await db.query(`SELECT count(*)::int AS n FROM fallback_jobs WHERE notification_id = $1`, [id]);
      expect(jobs.rows[0].n).toBe(1);
      expect((await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE notification_id = $1`, [id])).rows[0].n).toBe(0);
      await eventually(async () => (await deliveriesOf(id)).filter((d) => d.status === 'sent').length === 3, 'three sent');
      expect(smtp.mails.slice(before).map((m) => m.to[0]).sort()).toEqual(['alice@example.com', 'bob@example.com', 'dave@example.com']);
    } finally {
      await db.end();
    }
  });

  it('refuses bad fallbacks and bad emails with a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ after: -1, channels: ['email'] }, 'fallback.after'],
      [{ after: 8 * 24 * 3600, channels: ['email'] }, 'fallback.after'],
      [{ after: 1.5, channels: ['email'] }, 'fallback.after'],
      [{ after: 1, channels: [] }, 'fallback.channels'],
      [{ after: 1, channels: ['no-such-channel'] }, 'fallback.channels.0'],
      [{ after: 1, channels: ['<script>'] }, 'fallback.channels'],
      [{ after: 1, channels: ['email'], extra: true }, 'fallback.extra'],
      ['soon', 'fallback'],
    ];
    for (const [fallback, field] of cases) {
      const res = await push({ to: { userIds: [ids.alice] }, type: 'stock.count', title: 'x', fallback });
      expect({ fallback, status: res.status, field: res.body.field }).toEqual({ fallback, status: 400, field });
    }
    expect((await push({ to: { userIds: [ids.alice] }, type: 'stock.count', title: 'x', priority: 'urgent' })).body.field).toBe('priority');
    for (const email of ['not-an-email', 'a@b', 'x'.repeat(250) + '@example.com', 42]) {
      const res = await server.request('PATCH', `/api/users/${ids.erin}`, { token: tokens.admin, body: { email } });
      expect({ email, status: res.status, field: res.body.field }).toEqual({ email, status: 400, field: 'email' });
    }
    const cleared = await server.request('PATCH', `/api/users/${ids.erin}`, { token: tokens.admin, body: { email: null } });
    expect(cleared.body.email).toBeNull();
    const badDefault = await server.request('PUT', '/api/admin/fallback-defaults/NOT_A_TYPE', { token: tokens.admin, body: { after: 1, channels: ['email'] } });
    expect(badDefault.status).toBe(400);
    expect((await server.request('PUT', '/api/admin/fallback-defaults/a.b', { token: tokens.alice, body: { after: 1, channels: ['email'] } })).status).toBe(403);
  });
});
