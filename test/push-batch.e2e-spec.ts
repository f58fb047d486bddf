import type { Notification } from '@herald/contracts';
import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep } from './support/sockets';

/** POST /api/push/batch: whole-body validation, per-item errors, one transaction of up to 1,000, idempotency per item. */
describe('batch push', () => {
  let server: TestServer;
  let key: string;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const batch = (body: unknown, apiKey = key) => server.request('POST', '/api/push/batch', { body, headers: { 'x-api-key': apiKey } });

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    ({ key } = await pushClient(server, 'batch-system'));
    await loginAll(server, { tokens, ids });
  });
  afterAll(() => server?.stop());

  it('refuses a malformed body as a whole with a 400 naming the item index and the field', async () => {
    const ok = { to: { userIds: [ids.alice] }, type: 'a.b', title: 'ok' };
    const cases: Array<[unknown, string, RegExp]> = [
      [{}, 'items', /items/],
      [{ items: [] }, 'items', /items/],
      [{ items: 'x' }, 'items', /items/],
      [{ items: [ok, ok, { ...ok, title: '' }] }, 'items.2.title', /items\.2\.title/],
      [{ items: [ok, { ...ok, to: { userIds: ['abc'] } }] }, 'items.1.to.userIds', /items\.1\.to\.userIds/],
      [{ items: [{ ...ok, type: 'Bad Type' }] }, 'items.0.type', /items\.0\.type/],
      [{ items: [ok, { ...ok, extra: 1 }] }, 'items.1.extra', /items\.1\.extra: unknown field/],
      [{ items: [ok, 5] }, 'items', /items/],
      [{ items: Array.from({ length: 1001 }, () => ok) }, 'items', /1000/],
      [{ items: [ok], more: 1 }, 'more', /more: unknown field/],
    ];
    for (const [body, field, message] of cases) {
      const res = await batch(body);
      expect({ status: res.status, field: res.body.field, message: res.body.message }).toEqual({
        status: 400,
        field: expect.stringMatching(new RegExp(`^${field.replace(/\./g, '\\.')}`)),
        message: expect.stringMatching(message),
      });
    }
  });

  it('needs a valid API key', async () => {
    const res = await batch({ items: [{ to: { all: true }, type: 'a.b', title: 'x' }] }, 'hk_nope');
    expect(res.status).toBe(401);
  });

  it('answers each item: results for the good ones, its own error for a bad one, and the others are written', async () => {
    const alice = await connectSocket(server.url, { token: tokens.alice });
    try {
      const res = await batch({
        items: [
          { to: { userIds: [ids.alice] }, type: 'batch.one', title: 'first' },
          { to: { userIds: ['999999'] }, type: 'batch.one', title: 'nobody' },
          { to: { userIds: [ids.alice] }, type: 'batch.one', title: 'big', data: { blob: 'x'.repeat(17 * 1024) } },
          { to: {}, type: 'batch.one', title: 'no audience' },
          { to: { userIds: [ids.alice], rooms: ['role:warehouse'] }, type: 'batch.one', title: 'second' },
        ],
      });
      expect(res.status).toBe(202);
      const items = res.body.items;
      expect(items).toHaveLength(5);
      expect(items[0]).toEqual({ ids: [expect.stringMatching(/^\d+$/)], recipients: 1, online: 1 });
      expect(items[1]).toEqual({ error: { statusCode: 400, code: 'bad_request', message: expect.stringMatching(/no user with id 999999/), field: 'to.userIds' } });
      expect(items[2].error).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
      expect(items[3].error).toMatchObject({ statusCode: 400, field: 'to' });
      expect(items[4]).toEqual({ ids: [expect.any(String)], recipients: 2, online: 1 }); // alice and bob
      expect(BigInt(items[4].ids[0])).toBeGreaterThan(BigInt(items[0].ids[0]));
      await alice.waitFor(() => alice.received.length === 2);
      await sleep(200);
      expect(alice.received.map((n) => n.title)).toEqual(['first', 'second']);
    } finally {
      alice.close();
    }
  });

  it('writes 1,000 items in one call: all delivered once, in id order, ids in item order', async () => {
    const dave = await connectSocket(server.url, { token: tokens.dave });
    const carol = await connectSocket(server.url, { token: tokens.carol });
    try {
      const items = Array.from({ length: 1000 }, (_, i) => ({
        to: { userIds: [i % 2 ? ids.dave : ids.carol] },
        type: 'batch.many',
        title: `n${i}`,
        data: { i },
      }));
      const res = await batch({ items });
      expect(res.status).toBe(202);
      const answers: Array<{ ids: string[] }> = res.body.items;
      expect(answers).toHaveLength(1000);
      const created = answers.map((a) => BigInt(a.ids[0]));
      for (let i = 1; i < created.length; i++) expect(created[i]).toBeGreaterThan(created[i - 1]);
      // One transaction: the 1,000 ids are consecutive (nothing else took an id in between).
      expect(created[999] - created[0]).toBe(999n);
      await dave.waitFor(() => dave.received.length >= 500, 20_000);
      await carol.waitFor(() => carol.received.length >= 500, 20_000);
      await sleep(300);
      const check = (got: Notification[], parity: number) => {
        expect(got).toHaveLength(500);
        expect(got.map((n) => n.title)).toEqual(items.filter((_, i) => i % 2 === parity).map((it) => it.title));
        const seen = got.map((n) => BigInt(n.id));
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
      };
      check(dave.received, 1);
      check(carol.received, 0);
      // And the inbox has them too.
      const inbox = await server.request('GET', '/api/notifications?limit=100', { token: tokens.dave });
      expect(inbox.body.items[0].title).toBe('n999');
    } finally {
      dave.close();
      carol.close();
    }
  });

  it('applies idempotency per item: across calls, within one call, and conflicts fail only their item', async () => {
    const item = (k: string, title = 'same') => ({ to: { userIds: [ids.erin] }, type: 'batch.idem', title, idempotencyKey: k });
    const first = await batch({ items: [item('k1'), item('k2'), item('k1')] });
    expect(first.status).toBe(202);
    const [a, b, again] = first.body.items;
    expect(a.ids).toHaveLength(1);
    expect(b.ids[0]).not.toBe(a.ids[0]);
    expect(again).toEqual(a); // the same key twice in one call: one notification, the same answer
    const second = await batch({ items: [item('k2'), item('k1', 'different'), item('k3')] });
    expect(second.body.items[0]).toEqual(b);
    expect(second.body.items[1].error).toMatchObject({ statusCode: 409, code: 'idempotency_conflict' });
    expect(second.body.items[2].ids).toHaveLength(1);
    // The single push shares the keys of the batch (one key per API key, whichever route).
    const single = await server.request('POST', '/api/push', { body: item('k3'), headers: { 'x-api-key': key } });
    expect(single.status).toBe(202);
    expect(single.body).toEqual(second.body.items[2]);
    const inbox = await server.request('GET', '/api/notifications?limit=100', { token: tokens.erin });
    expect(inbox.body.items.filter((n: Notification) => n.type === 'batch.idem')).toHaveLength(3);
  });

  it('writes an item already read for a recipient who muted its type, as a single push would', async () => {
    const put = await server.request('PUT', '/api/me/preferences', { token: tokens.bob, body: { muted: ['batch.muted'] } });
    expect(put.status).toBe(200);
    const res = await batch({
      items: [
        { to: { userIds: [ids.bob] }, type: 'batch.muted', title: 'muted for bob' },
        { to: { userIds: [ids.carol] }, type: 'batch.muted', title: 'not muted for carol' },
        { to: { userIds: [ids.bob, ids.carol] }, type: 'batch.muted', title: 'both' },
        { to: { userIds: [ids.bob] }, type: 'batch.muted', title: 'critical for bob', priority: 'critical' },
      ],
    });
    expect(res.status).toBe(202);
    const readAt = async (name: string) => {
      const inbox = await server.request('GET', '/api/notifications?limit=100', { token: tokens[name] });
      return Object.fromEntries(inbox.body.items.filter((n: Notification) => n.type === 'batch.muted').map((n: Notification) => [n.title, n.readAt !== null]));
    };
    expect(await readAt('bob')).toEqual({ 'muted for bob': true, both: true, 'critical for bob': false });
    expect(await readAt('carol')).toEqual({ 'not muted for carol': false, both: false });
  });

  it('refuses a body over its size limit with 413', async () => {
    const items = Array.from({ length: 400 }, () => ({ to: { all: true }, type: 'a.b', title: 'x', data: { blob: 'y'.repeat(12 * 1024) } }));
    const res = await batch({ items });
    expect(res.status).toBe(413);
  });
});
