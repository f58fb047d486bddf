import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { TEST_REDIS_URL } from './support/database';
import { pushClient } from './support/push';
import { loginAll, startTestServer, TestServer } from './support/server';
import { connectSocket, sleep } from './support/sockets';
import { openStream } from './support/sse';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

async function redisAnswers(): Promise<boolean> {
  const client = createClient({ url: TEST_REDIS_URL, socket: { connectTimeout: 1500, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.quit().catch(() => undefined);
  }
}

/** Polls `check` every 50 ms, at most `ms`, until it is true. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still false after ${ms} ms`);
    await sleep(50);
  }
}

describe('presence: who is online, sockets and SSE streams alike', () => {
  let server: TestServer;
  let client: Awaited<ReturnType<typeof pushClient>>;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    client = await pushClient(server, 'presence');
    await loginAll(server, { tokens, ids });
  });
  afterAll(() => server?.stop());

  const ask = (query: string, headers: Record<string, string>) => server.request('GET', `/api/presence${query}`, { headers });
  const byKey = (query: string) => ask(query, { 'x-api-key': client.key });
  const stream = (name: string) => openStream(`${server.url}/api/notifications/stream`, { authorization: `Bearer ${tokens[name]}` });

  it('a user with only an SSE stream is online, in presence and in push `online`; closing it makes them offline', async () => {
    const carol = await stream('carol');
    try {
      expect(carol.res.status).toBe(200);
      const res = await byKey(`?userIds=${ids.carol},${ids.dave}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ online: { [ids.carol]: true, [ids.dave]: false } });

      const pushed = await client.push({ to: { userIds: [ids.carol] }, type: 'test.presence', title: 'SSE only' });
      expect(pushed.status).toBe(202);
      expect(pushed.body).toMatchObject({ recipients: 1, online: 1 });
      await carol.waitFor(() => carol.events.some((e) => e.data?.includes('SSE only')));
    } finally {
      carol.close();
    }
    await eventually(async () => (await byKey(`?userIds=${ids.carol}`)).body.online[ids.carol] === false);
  });

  it('a user with a socket is online, an offline one is not; duplicates are folded', async () => {
    const bob = await connectSocket(server.url, { token: tokens.bob });
    try {
      const res = await byKey(`?userIds=${ids.bob},${ids.erin},${ids.bob}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ online: { [ids.bob]: true, [ids.erin]: false } });
      // The parameter repeated is the same list.
      const repeated = await byKey(`?userIds=${ids.bob}&userIds=${ids.erin}`);
      expect(repeated.body).toEqual(res.body);
    } finally {
      bob.close();
    }
  });

  it('answers an API key and an admin token; a non-admin token is 403, no or bad credentials 401', async () => {
    const q = `?userIds=${ids.alice}`;
    expect((await ask(q, { 'x-api-key': client.key })).status).toBe(200);
    const admin = await ask(q, { authorization: `Bearer ${tokens.admin}` });
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual({ online: { [ids.alice]: false } });

    const alice = await ask(q, { authorization: `Bearer ${tokens.alice}` });
    expect(alice.status).toBe(403);
    expect(alice.body.message).toMatch(/admin/);

    const none = await ask(q, {});
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/X-Api-Key/);
    expect((await ask(q, { 'x-api-key': 'hk_not-a-key' })).status).toBe(401);
    expect((await ask(q, { authorization: 'Bearer a.b.c' })).status).toBe(401);
    expect((await ask(q, { authorization: 'Basic abc' })).status).toBe(401);
    // Credentials are checked before the query: a stranger learns nothing from a 400.
    expect((await ask('?userIds=abc', {})).status).toBe(401);
  });

  it('refuses bad user id lists with a 400 naming userIds, never a 500', async () => {
    const distinct = Array.from({ length: 1001 }, (_, i) => String(i + 1)).join(',');
    const bad = ['', '?userIds=', '?userIds=abc', '?userIds=0', '?userIds=01', '?userIds=-1', '?userIds=1.5', '?userIds=1,,2', '?userIds=1,', '?userIds=%201',
      '?userIds=9223372036854775808', `?userIds=${distinct}`, '?userIds[a]=1', '?userIds=1&other=2'];
    for (const query of bad) {
      const res = await byKey(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.message).toMatch(query.includes('other') ? /other/ : /userIds/);
    }
    // 1000 distinct ids is the limit, and duplicates beyond it do not count.
    const thousand = Array.from({ length: 1000 }, (_, i) => String(i + 1));
    const ok = await byKey(`?userIds=${[...thousand, '1', '2'].join(',')}`);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body.online)).toHaveLength(1000);
    expect((await byKey('?userIds=9223372036854775807')).body).toEqual({ online: { '9223372036854775807': false } });
  });

  it('push accepts numeric user ids (what PHP sends) like strings, and delivers', async () => {
    const alice = await connectSocket(server.url, { token: tokens.alice });
    try {
      const res = await client.push({ to: { userIds: [Number(ids.alice), Number(ids.dave)] }, type: 'test.numeric', title: 'numeric ids' });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ recipients: 2, online: 1 });
      await alice.waitFor(() => alice.received.some((n) => n.title === 'numeric ids'));
      // A mix of both spellings of the same user is one recipient.
      const mixed = await client.push({ to: { userIds: [Number(ids.alice), ids.alice] }, type: 'test.numeric', title: 'mixed ids' });
      expect(mixed.status).toBe(202);
      expect(mixed.body).toMatchObject({ recipients: 1, online: 1 });
    } finally {
      alice.close();
    }
  });

  it('push refuses numbers that are not ids with a 400 naming to.userIds', async () => {
    const bodies = ['2.5', '-1', '0', '9007199254740993', '1e300', 'true', 'null', '{}', '[2]'];
    for (const value of bodies) {
      const res = await server.request('POST', '/api/push', {
        headers: { 'x-api-key': client.key },
        body: `{"to":{"userIds":[${value}]},"type":"test.numeric","title":"bad"}`,
      });
      expect({ value, status: res.status }).toEqual({ value, status: 400 });
      expect(res.body.message).toMatch(/to\.userIds/);
    }
  });
});

describe('presence across two instances', () => {
  let available = true;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    available = await redisAnswers();
    if (!available) {
      if (inCi) throw new Error(`Redis is not reachable at ${TEST_REDIS_URL}, and CI requires it.`);
      process.stderr.write(`[herald tests] Redis not reachable at ${TEST_REDIS_URL}: skipping cross-instance presence.\n`);
      return;
    }
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `herald-presence-${randomBytes(4).toString('hex')}`, PUSH_RATE_PER_SECOND: '1000' };
    a = await startTestServer({ env });
    b = await startTestServer({ db: a.db, env });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('an SSE stream on one instance and a socket on the other are both seen from either', async () => {
    if (!available) return void console.warn(`skipped (no Redis at ${TEST_REDIS_URL})`);
    const carol = await b.login('carol');
    const bob = await a.login('bob');
    const dave = await a.login('dave');
    const { key, push } = await pushClient(a, 'presence-scale');
    const carolStream = await openStream(`${b.url}/api/notifications/stream`, { authorization: `Bearer ${carol.accessToken}` });
    const bobSocket = await connectSocket(a.url, { token: bob.accessToken });
    try {
      const want = { online: { [carol.user.id]: true, [bob.user.id]: true, [dave.user.id]: false } };
      const query = `/api/presence?userIds=${carol.user.id},${bob.user.id},${dave.user.id}`;
      expect((await a.request('GET', query, { headers: { 'x-api-key': key } })).body).toEqual(want);
      expect((await b.request('GET', query, { headers: { 'x-api-key': key } })).body).toEqual(want);
      // The push's count uses A's copy of B's presence, which follows a connect within milliseconds (presence-replica).
      await sleep(200);
      const pushed = await push({ to: { userIds: [Number(carol.user.id), Number(dave.user.id)] }, type: 'test.presence', title: 'across' });
      expect(pushed.status).toBe(202);
      expect(pushed.body).toMatchObject({ recipients: 2, online: 1 });
      await carolStream.waitFor(() => carolStream.events.some((e) => e.data?.includes('across')));
    } finally {
      carolStream.close();
      bobSocket.close();
    }
  });
});
