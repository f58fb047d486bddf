import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { eventually, ReceivedRequest, startHttpReceiver } from './support/receivers';
import { sleep } from './support/sockets';

const DING_SECRET = 'SECdingtalk-test-secret-0123456789';
const FEISHU_SECRET = 'feishu-test-secret-abcdef';
const HOOK_SECRET = 'generic-webhook-secret-0123456789';
const WECOM_KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';

// Each check below is written from the vendor's documentation, independently of Herald's code.
/** DingTalk custom robot: sign = urlEncode(base64(HmacSHA256(key = secret, timestamp_ms + "\n" + secret))), timestamp within an hour. */
function dingtalkSignatureOk(req: ReceivedRequest, secret: string): boolean {
  const timestamp = req.url.searchParams.get('timestamp') ?? '';
  const sign = req.url.searchParams.get('sign') ?? '';
  const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return /^\d{13}$/.test(timestamp) && Math.abs(Date.now() - Number(timestamp)) < 3600_000 && sign === expected;
}
/** Feishu custom bot: sign = base64(HmacSHA256(key = timestamp_s + "\n" + secret, message = "")), in the body. */
function feishuSignatureOk(body: { timestamp?: string; sign?: string }, secret: string): boolean {
  const expected = createHmac('sha256', `${body.timestamp}\n${secret}`).update('').digest('base64');
  return /^\d{10}$/.test(body.timestamp ?? '') && Math.abs(Date.now() / 1000 - Number(body.timestamp)) < 3600 && body.sign === expected;
}
/** Herald's generic webhook: X-Herald-Signature = sha256=hex(HMAC-SHA256(secret, timestamp + "." + raw body)). */
function heraldSignatureOk(req: ReceivedRequest, secret: string): boolean {
  const timestamp = String(req.headers['x-herald-timestamp'] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.body}`).digest('hex')}`;
  return /^\d{10}$/.test(timestamp) && req.headers['x-herald-signature'] === expected;
}

describe('fallback to group robots and webhooks', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  /** Set to make /flaky succeed. */
  let flakyHealed = false;
  const channelIds: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startHttpReceiver((req) => {
      const json = req.body ? (JSON.parse(req.body) as Record<string, any>) : {};
      switch (req.path) {
        case '/robot/send': // DingTalk
          if (req.url.searchParams.get('access_token') !== 'ding-token') return { status: 200, body: { errcode: 300001, errmsg: 'token is not exist' } };
          return dingtalkSignatureOk(req, DING_SECRET) ? { status: 200, body: { errcode: 0, errmsg: 'ok' } } : { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } };
        case '/cgi-bin/webhook/send': // WeCom
          return req.url.searchParams.get('key') === WECOM_KEY && json.msgtype === 'markdown'
            ? { status: 200, body: { errcode: 0, errmsg: 'ok' } }
            : { status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url' } };
        case '/open-apis/bot/v2/hook/feishu-hook-id': // Feishu
          return feishuSignatureOk(json, FEISHU_SECRET) ? { status: 200, body: { code: 0, msg: 'success', data: {} } } : { status: 200, body: { code: 19021, msg: 'sign match fail', data: {} } };
        case '/hook':
          return heraldSignatureOk(req, HOOK_SECRET) ? { status: 204, body: '' } : { status: 401, body: { error: 'bad signature' } };
        case '/flaky':
          return flakyHealed ? { status: 200, body: { ok: true } } : { status: 500, body: { error: 'down' } };
        default:
          return { status: 404, body: {} };
      }
    });
    server = await startTestServer({ env: { DELIVERY_RETRY_BASE_MS: '200', DELIVERY_MAX_ATTEMPTS: '3', PUSH_RATE_PER_SECOND: '1000' } });
    ({ push } = await pushClient(server));
    await loginAll(server, { tokens, ids });
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  const admin = (method: string, path: string, body?: unknown) => server.request(method, path, { token: tokens.admin, body });
  const deliveriesOf = async (notificationId: string) => (await admin('GET', `/api/admin/deliveries?notificationId=${notificationId}`)).body.items as Array<Record<string, any>>;
  const requestsTo = (path: string, since: number) => receiver.requests.filter((r) => r.path === path && r.at >= since);

  it('manages channels: each kind validated, secrets never shown back, kept across a PATCH', async () => {
    const created = {
      dingtalk: await admin('POST', '/api/admin/channels', { kind: 'dingtalk', name: 'ops-dingtalk', config: { url: `${receiver.url}/robot/send?access_token=ding-token`, secret: DING_SECRET } }),
      wecom: await admin('POST', '/api/admin/channels', { kind: 'wecom', name: 'ops-wecom', config: { url: `${receiver.url}/cgi-bin/webhook/send?key=${WECOM_KEY}` } }),
      feishu: await admin('POST', '/api/admin/channels', { kind: 'feishu', name: 'ops-feishu', config: { url: `${receiver.url}/open-apis/bot/v2/hook/feishu-hook-id`, secret: FEISHU_SECRET } }),
      webhook: await admin('POST', '/api/admin/channels', { kind: 'webhook', name: 'erp-hook', config: { url: `${receiver.url}/hook`, secret: HOOK_SECRET } }),
    };
    for (const [kind, res] of Object.entries(created)) {
      expect({ kind, status: res.status }).toEqual({ kind, status: 201 });
      channelIds[kind] = res.body.id;
    }
    expect(created.dingtalk.body).toMatchObject({ kind: 'dingtalk', name: 'ops-dingtalk', enabled: true, config: { secret: '********' } });
    expect(created.dingtalk.body.config.url).toBe(`${receiver.url}/robot/send?access_token=********`);
    expect(created.feishu.body.config.url).toBe(`${receiver.url}/open-apis/bot/v2/hook/********`);
    const listed = await admin('GET', '/api/admin/channels');
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    for (const secret of [DING_SECRET, FEISHU_SECRET, HOOK_SECRET, WECOM_KEY, 'ding-token', 'feishu-hook-id']) expect(text).not.toContain(secret);
    // A PATCH that sends the masked config back, or leaves the secret out, keeps the secret (the signatures below still verify).
    const renamed = await admin('PATCH', `/api/admin/channels/${channelIds.dingtalk}`, { name: 'Ops DingTalk', config: created.dingtalk.body.config });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Ops DingTalk');
    expect((await admin('PATCH', `/api/admin/channels/${channelIds.webhook}`, { config: { url: `${receiver.url}/hook` } })).status).toBe(200);
    expect((await admin('GET', `/api/admin/channels/${channelIds.wecom}`)).body.config.url).toBe(`${receiver.url}/cgi-bin/webhook/send?key=********`);
  });

  it('refuses bad channels with a 400 naming the field, a duplicate name with 409, others than admins with 403', async () => {
    const bad: Array<[unknown, string]> = [
      [{ kind: 'slack', name: 'x', config: {} }, 'kind'],
      [{ kind: 'webhook', name: 'x', config: { url: 'ftp://example.com/x', secret: HOOK_SECRET } }, 'config.url'],
      [{ kind: 'webhook', name: 'x', config: { url: 'not a url', secret: HOOK_SECRET } }, 'config.url'],
      [{ kind: 'webhook', name: 'x', config: { url: 'https://example.com/x' } }, 'config.secret'],
      [{ kind: 'webhook', name: 'x', config: { url: 'https://example.com/x', secret: 'short' } }, 'config.secret'],
      [{ kind: 'wecom', name: 'x', config: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' } }, 'config.url'],
      [{ kind: 'dingtalk', name: 'x', config: { url: 'https://oapi.dingtalk.com/robot/send?access_token=t', token: 'y' } }, 'config.token'],
      [{ kind: 'email', name: 'x', config: { smtpUrl: 'http://mail.example.com' } }, 'config.smtpUrl'],
      [{ kind: 'email', name: 'x', config: { from: 'nobody' } }, 'config.from'],
      [{ kind: 'dingtalk', name: 'x', config: 'https://oapi.dingtalk.com' }, 'config'],
      [{ kind: 'dingtalk', name: 'email', config: { url: 'https://oapi.dingtalk.com/robot/send?access_token=t' } }, 'name'],
      [{ kind: 'dingtalk', name: '12345', config: { url: 'https://oapi.dingtalk.com/robot/send?access_token=t' } }, 'name'],
      [{ kind: 'dingtalk', name: '', config: { url: 'https://oapi.dingtalk.com/robot/send?access_token=t' } }, 'name'],
    ];
    for (const [body, field] of bad) {
      const res = await admin('POST', '/api/admin/channels', body);
      expect({ body, status: res.status, field: res.body.field }).toEqual({ body, status: 400, field });
    }
    const dup = await admin('POST', '/api/admin/channels', { kind: 'wecom', name: 'OPS-WECOM', config: { url: `${receiver.url}/cgi-bin/webhook/send?key=k` } });
    expect(dup.status).toBe(409);
    expect((await admin('PATCH', `/api/admin/channels/${channelIds.webhook}`, { config: { secret: 'short' } })).body.field).toBe('config.secret');
    expect((await server.request('GET', '/api/admin/channels', { token: tokens.alice })).status).toBe(403);
    expect((await admin('GET', '/api/admin/channels/999999')).status).toBe(404);
    expect((await admin('GET', '/api/admin/channels/abc')).status).toBe(400);
    expect((await admin('GET', '/api/admin/deliveries?notificationId=abc')).body.field).toBe('notificationId');
  });

  it('sends one signed message per robot and webhook, with the unread count, to each in its vendor format', async () => {
    const since = Date.now();
    const res = await push({
      to: { userIds: [ids.alice, ids.bob, ids.carol] },
      type: 'stock.low',
      title: 'Stock low: SKU-1',
      body: '3 left in warehouse A',
      fallback: { after: 1, channels: ['Ops DingTalk', 'ops-wecom', channelIds.feishu, 'erp-hook'] },
    });
    expect(res.status).toBe(202);
    const id = res.body.ids[0];
    await server.request('POST', '/api/notifications/read', { token: tokens.alice, body: { ids: [id] } });
    await eventually(async () => (await deliveriesOf(id)).filter((d) => d.status === 'sent').length === 4, 'four sent deliveries');
    expect(Date.now() - since).toBeGreaterThanOrEqual(1000);

    const [ding] = requestsTo('/robot/send', since);
    expect(dingtalkSignatureOk(ding, DING_SECRET)).toBe(true);
    const dingBody = JSON.parse(ding.body);
    expect(dingBody).toMatchObject({ msgtype: 'markdown', markdown: { title: 'Stock low: SKU-1' } });
    expect(dingBody.markdown.text).toContain('3 left in warehouse A');
    expect(dingBody.markdown.text).toContain('2 recipient(s) have not read it yet');

    const [wecom] = requestsTo('/cgi-bin/webhook/send', since);
    expect(JSON.parse(wecom.body)).toMatchObject({ msgtype: 'markdown', markdown: { content: expect.stringContaining('2 recipient(s) have not read it yet') } });

    const [feishu] = requestsTo('/open-apis/bot/v2/hook/feishu-hook-id', since);
    const feishuBody = JSON.parse(feishu.body);
    expect(feishuSignatureOk(feishuBody, FEISHU_SECRET)).toBe(true);
    expect(feishuBody).toMatchObject({ msg_type: 'text', content: { text: expect.stringContaining('Stock low: SKU-1') } });

    const [hook] = requestsTo('/hook', since);
    expect(heraldSignatureOk(hook, HOOK_SECRET)).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'notification.unread', unread: 2, notification: { id, type: 'stock.low', title: 'Stock low: SKU-1' } });

    const deliveries = await deliveriesOf(id);
    expect(deliveries.map((d) => d.channelKind).sort()).toEqual(['dingtalk', 'feishu', 'webhook', 'wecom']);
    for (const d of deliveries) expect(d).toMatchObject({ status: 'sent', attempts: 1, unreadCount: 2, userId: null });
    expect(deliveries.find((d) => d.channelKind === 'dingtalk')).toMatchObject({ remoteStatus: 200, remoteAnswer: '{"errcode":0,"errmsg":"ok"}' });
  });

  it('a robot answering HTTP 200 with errcode != 0 (wrong secret) is a failure: retried with backoff, then parked and listed', async () => {
    const wrong = await admin('POST', '/api/admin/channels', { kind: 'dingtalk', name: 'wrong-secret', config: { url: `${receiver.url}/robot/send?access_token=ding-token`, secret: 'SECnot-the-right-one' } });
    expect(wrong.status).toBe(201);
    const since = Date.now();
    const res = await push({ to: { userIds: [ids.bob] }, type: 'stock.low', title: 'Will not get through', fallback: { after: 0, channels: ['wrong-secret'] } });
    const id = res.body.ids[0];
    await eventually(async () => (await deliveriesOf(id))[0]?.status === 'parked', 'the delivery parked', 10_000);
    const [d] = await deliveriesOf(id);
    expect(d).toMatchObject({ status: 'parked', attempts: 3, remoteStatus: 200, remoteAnswer: expect.stringContaining('310000') });
    expect(d.parkedReason).toContain('errcode 310000');
    const attempts = requestsTo('/robot/send', since);
    expect(attempts).toHaveLength(3);
    // Backoff: 200 ms after the first failure, 400 ms after the second (DELIVERY_RETRY_BASE_MS=200).
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(190);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(390);
    const parked = await admin('GET', '/api/admin/deliveries?status=parked');
    expect(parked.body.items.map((x: { id: string }) => x.id)).toContain(d.id);
  });

  it('a receiver failing with 500 is retried, parked, and a requeue sends it once it is back', async () => {
    const flaky = await admin('POST', '/api/admin/channels', { kind: 'webhook', name: 'flaky', config: { url: `${receiver.url}/flaky`, secret: HOOK_SECRET } });
    const res = await push({ to: { userIds: [ids.bob] }, type: 'stock.low', title: 'Flaky', fallback: { after: 0, channels: [flaky.body.id] } });
    const id = res.body.ids[0];
    // While it backs off, the pending row shows its next attempt and the last error.
    await eventually(async () => (await deliveriesOf(id))[0]?.attempts >= 1, 'a first attempt');
    await eventually(async () => (await deliveriesOf(id))[0]?.status === 'parked', 'parked after 3 attempts', 10_000);
    const [parked] = await deliveriesOf(id);
    expect(parked).toMatchObject({ attempts: 3, remoteStatus: 500, lastError: expect.stringContaining('HTTP 500') });
    flakyHealed = true;
    const requeued = await admin('POST', `/api/admin/deliveries/${parked.id}/requeue`);
    expect(requeued.status).toBe(200);
    expect(requeued.body).toMatchObject({ status: 'pending', attempts: 0 });
    await eventually(async () => (await deliveriesOf(id))[0]?.status === 'sent', 'sent after the requeue');
    expect((await admin('POST', `/api/admin/deliveries/${parked.id}/requeue`)).status).toBe(409);
    expect((await admin('POST', '/api/admin/deliveries/999999/requeue')).status).toBe(404);
  });

  it('sends nothing to a robot when everyone read it in time, and nothing through a disabled channel', async () => {
    const since = Date.now();
    const res = await push({ to: { userIds: [ids.alice] }, type: 'stock.low', title: 'Read in time', fallback: { after: 1, channels: ['erp-hook'] } });
    await server.request('POST', '/api/notifications/read', { token: tokens.alice, body: { ids: [res.body.ids[0]] } });
    expect((await admin('PATCH', `/api/admin/channels/${channelIds.wecom}`, { enabled: false })).body.enabled).toBe(false);
    const res2 = await push({ to: { userIds: [ids.bob] }, type: 'stock.low', title: 'Disabled channel', fallback: { after: 0, channels: ['ops-wecom'] } });
    await sleep(2000);
    expect(requestsTo('/hook', since)).toHaveLength(0);
    expect(requestsTo('/cgi-bin/webhook/send', since)).toHaveLength(0);
    expect(await deliveriesOf(res.body.ids[0])).toEqual([]);
    expect(await deliveriesOf(res2.body.ids[0])).toEqual([]);
    expect((await admin('DELETE', `/api/admin/channels/${channelIds.wecom}`)).status).toBe(204);
    expect((await admin('DELETE', `/api/admin/channels/${channelIds.wecom}`)).status).toBe(404);
  });

  it('a fallback job that cannot be expanded records its error and backs off, and the jobs due with it still go out', async () => {
    const since = Date.now();
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      const bad = (await push({ to: { userIds: [ids.bob] }, type: 'stock.low', title: 'Broken', fallback: { after: 2, channels: ['erp-hook'] } })).body.ids[0];
      // A room no rule can read (not a user id) makes the expansion's query fail.
      await db.query(`INSERT INTO notification_rooms (room, notification_id) VALUES ('user:not-a-number', $1)`, [bad]);
      const good = (await push({ to: { userIds: [ids.bob] }, type: 'stock.low', title: 'Healthy', fallback: { after: 2, channels: ['erp-hook'] } })).body.ids[0];
      await eventually(async () => (await deliveriesOf(good))[0]?.status === 'sent', 'the healthy job sent');
      const [job] = (await db.query(`SELECT attempts, last_error, done_at, due_at > now() AS later FROM fallback_jobs WHERE notification_id = $1`, [bad])).rows;
      expect(job).toMatchObject({ attempts: 1, done_at: null, later: true });
      expect(job.last_error).toContain('bigint');
      expect(requestsTo('/hook', since).map((r) => JSON.parse(r.body).notification.title)).toEqual(['Healthy']);
      await db.query(`UPDATE fallback_jobs SET done_at = now() WHERE notification_id = $1`, [bad]);
    } finally {
      await db.end();
    }
  });

  it('prunes sent deliveries and finished jobs past the retention, keeps parked ones', async () => {
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      await db.query(`UPDATE deliveries SET updated_at = now() - interval '8 days'`);
      await db.query(`UPDATE fallback_jobs SET done_at = now() - interval '8 days' WHERE done_at IS NOT NULL`);
      const before = (await admin('GET', '/api/admin/deliveries')).body.items as Array<{ status: string }>;
      expect(before.some((d) => d.status === 'sent')).toBe(true);
      expect(before.some((d) => d.status === 'parked')).toBe(true);
      // A new instance prunes on its first pass (then hourly).
      const second = await startTestServer({ db: server.db, env: { OUTBOX_RETENTION_DAYS: '7' } });
      try {
        await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`)).rows[0].n === 0, 'sent deliveries pruned');
        const left = (await admin('GET', '/api/admin/deliveries')).body.items as Array<{ status: string }>;
        expect(left.length).toBeGreaterThan(0);
        expect(left.every((d) => d.status === 'parked')).toBe(true);
        expect((await db.query(`SELECT count(*)::int AS n FROM fallback_jobs WHERE done_at IS NOT NULL`)).rows[0].n).toBe(0);
      } finally {
        await second.stop({ keepDatabase: true });
      }
    } finally {
      await db.end();
    }
  });
});
