import jwt from 'jsonwebtoken';
import { HeraldClient, HeraldClientError, MemoryCursorStorage } from '@herald/client';
import type { ApprovalDto, LoginResponse, Notification, TokenPair } from '@herald/contracts';
import { startTestServer, TestServer, TEST_JWT_SECRET } from './support/server';

/** The typed client library against a real Herald: what an application embedding it would rely on. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
/** Long enough for an event that was going to arrive to have arrived. */
const QUIET_MS = 800;

interface Recorder {
  client: HeraldClient;
  got: { n: Notification; replayed: boolean }[];
}

describe('@herald/client against a real server', () => {
  let server: TestServer;
  const users: Record<string, LoginResponse> = {};
  const open: HeraldClient[] = [];

  function connect(name: string, storage = new MemoryCursorStorage()): Recorder {
    const client = new HeraldClient({ url: server.url, getToken: async () => users[name].accessToken, storage, socketOptions: { transports: ['websocket'] } });
    open.push(client);
    const got: Recorder['got'] = [];
    client.on('notification', (n, info) => got.push({ n, replayed: info.replayed }));
    return { client, got };
  }
  /** Waits until `name`'s inbox holds the notification about order `number`. */
  async function waitForInbox(name: string, number: string): Promise<void> {
    const end = Date.now() + 10_000;
    const has = async () => ((await server.request('GET', '/api/notifications?limit=10', { token: users[name].accessToken })).body.items as Notification[]).some((n) => (n.data as { number?: string }).number === number);
    while (!(await has())) {
      if (Date.now() > end) throw new Error(`${name}'s inbox never got the notification about ${number}`);
      await sleep(50);
    }
  }
  const connected = (r: Recorder) => until(() => r.client.state.get() === 'connected', 'connected');
  const createOrder = (customer: string) =>
    server.request('POST', '/api/orders', { token: users.alice.accessToken, body: { customer, items: [{ sku: 'A-1', name: 'Widget', qty: 2, unitPrice: '5.00' }] } });

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) users[name] = await server.login(name);
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(() => server?.stop());

  it('delivers each order event once to its audience and nothing to others', async () => {
    const [alice, bob, dave] = [connect('alice'), connect('bob'), connect('dave')];
    await Promise.all([alice, bob, dave].map(connected));
    const res = await createOrder('Client Co.');
    expect(res.status).toBe(201);
    await until(() => alice.got.length === 1 && bob.got.length === 1, 'order.created for alice and bob');
    await sleep(QUIET_MS);
    for (const r of [alice, bob]) {
      expect(r.got.map((g) => [g.n.type, (g.n.data as { number?: string }).number, g.replayed])).toEqual([['order.created', res.body.number, false]]);
    }
    expect(dave.got).toEqual([]);
    expect(alice.client.lastSeenId).toBe(alice.got[0].n.id);
  }, 30_000);

  it('marks read over the socket and keeps the unread count observable in step', async () => {
    // bob, not alice: the creator gets her own order's notification already read.
    const bob = connect('bob');
    await connected(bob);
    await createOrder('Unread Co.');
    await until(() => bob.got.length === 1, 'a notification');
    const before = (await server.request('GET', '/api/notifications/unread-count', { token: users.bob.accessToken })).body.count as number;
    await until(() => bob.client.unread.get() === before, 'the client agrees with the server');
    const ack = await bob.client.markRead([bob.got[0].n.id]);
    expect(ack).toEqual({ ok: true, unread: before - 1, upTo: expect.stringMatching(/^\d+$/) });
    expect(bob.client.unread.get()).toBe(before - 1);
  });

  it('resumes after a disconnect: the missed events are replayed once, in order, and counted', async () => {
    const storage = new MemoryCursorStorage();
    const first = connect('bob', storage);
    await connected(first);
    await createOrder('Before Co.');
    await until(() => first.got.length === 1, 'the first event');
    first.client.close();

    const missed = [await createOrder('Missed 1'), await createOrder('Missed 2')].map((r) => r.body.number as string);
    // Notifications are written by the dispatcher just after the commit: wait until both exist, so both are truly missed.
    await waitForInbox('bob', missed[1]);
    const again = connect('bob', storage); // a new page load with the same cursor storage
    await until(() => again.got.length === 2 && again.client.missed.get() === 2, 'the replay');
    expect(again.got.map((g) => [(g.n.data as { number: string }).number, g.replayed])).toEqual([[missed[0], true], [missed[1], true]]);
    const live = await createOrder('Live Co.');
    await until(() => again.got.length === 3, 'the live event after the replay');
    expect(again.got[2]).toMatchObject({ replayed: false, n: { data: { number: live.body.number } } });
    await sleep(QUIET_MS);
    expect(new Set(again.got.map((g) => g.n.id)).size).toBe(3);
  }, 30_000);

  it('honours the server clamp of a cursor beyond every committed id: the next live event is delivered', async () => {
    // A cursor from before a database restore: far beyond any id this database will reach in the test.
    const storage = new MemoryCursorStorage('900000000000');
    const bob = connect('bob', storage);
    const positions: string[] = [];
    bob.client.on('replay:done', (p) => positions.push(p.position));
    await until(() => positions.length === 1, 'replay:done');
    expect(BigInt(positions[0])).toBeLessThan(900000000000n);
    expect(bob.client.lastSeenId).toBe(positions[0]); // adopted although lower than the stored cursor
    const live = await createOrder('After Restore Co.');
    await until(() => bob.got.length === 1, 'the live event after a clamped cursor');
    expect(bob.got[0]).toMatchObject({ replayed: false, n: { data: { number: live.body.number } } });
    expect(BigInt(bob.client.lastSeenId!)).toBeGreaterThan(BigInt(positions[0]));
  }, 30_000);

  it('stops, offline, with signed_out when its session signs out in another tab, and does not reconnect', async () => {
    const erin = await server.login('erin'); // a session of its own: the others' tokens stay valid
    const client = new HeraldClient({ url: server.url, getToken: async () => erin.accessToken, socketOptions: { transports: ['websocket'] } });
    open.push(client);
    const closed: string[] = [];
    const errors: string[] = [];
    let connects = 0;
    client.on('closed', (c) => closed.push(c.reason));
    client.on('error', (e) => errors.push(e.code));
    client.on('connected', () => connects++);
    await until(() => client.state.get() === 'connected', 'connected');
    expect((await server.request('POST', '/api/auth/logout', { token: erin.accessToken })).status).toBe(204);
    await until(() => client.state.get() === 'offline', 'offline after the logout');
    await sleep(1500); // long enough for a reconnect attempt, had there been one
    expect(closed).toEqual(['signed_out']);
    expect(errors).toEqual(['signed_out']);
    expect(client.state.get()).toBe('offline');
    expect(connects).toBe(1);
  }, 30_000);

  it('decides over the socket: the first decision wins, a second gets {ok:false} with a reason', async () => {
    const submitted = await server.request('POST', '/api/approvals', {
      token: users.dave.accessToken,
      body: { kind: 'expense', title: 'Taxi to the customer', amount: '88.00', approverIds: [users.carol.user.id] },
    });
    expect(submitted.status).toBe(201);
    const approval = submitted.body as ApprovalDto;
    const carol = connect('carol');
    await connected(carol);
    const ok = await carol.client.decide({ id: approval.id, decision: 'approve', comment: 'fine', version: approval.version });
    expect(ok.ok && ok.approval.status).toBe('approved');
    const late = await carol.client.decide({ id: approval.id, decision: 'reject', version: approval.version });
    expect(late.ok).toBe(false);
    if (!late.ok) {
      expect(late.error.code).toBe('conflict');
      expect(late.error.message.length).toBeGreaterThan(10);
    }
  });

  it('refuses to emit while offline with a typed error', async () => {
    const alice = connect('alice');
    alice.client.close();
    await expect(alice.client.markRead(['1'])).rejects.toBeInstanceOf(HeraldClientError);
    await expect(alice.client.markRead(['1'])).rejects.toMatchObject({ code: 'offline' });
  });
});

describe('@herald/client token lifetime against a real server', () => {
  let server: TestServer;
  const open: HeraldClient[] = [];
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  beforeAll(async () => {
    server = await startTestServer({ env: { ACCESS_TOKEN_TTL: '3' } });
  });
  afterAll(() => server?.stop());

  /** Token provider of an app: access token in memory, refreshed with the rotating refresh token. */
  async function tokenSource(name: string) {
    const login = await server.login(name);
    const state = { access: login.accessToken, refresh: login.refreshToken, refreshes: 0, userId: login.user.id };
    const refreshToken = async () => {
      const res = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: state.refresh } });
      if (res.status !== 200) throw new Error(`refresh failed: ${res.status}`);
      const pair = res.body as TokenPair;
      Object.assign(state, { access: pair.accessToken, refresh: pair.refreshToken, refreshes: state.refreshes + 1 });
      return pair.accessToken;
    };
    return { state, refreshToken };
  }

  it('refreshes in-band before expiry and stays connected past the first token lifetime', async () => {
    const { state, refreshToken } = await tokenSource('bob');
    const client = new HeraldClient({ url: server.url, getToken: async () => state.access, refreshToken, refreshLeadMs: 1500, socketOptions: { transports: ['websocket'] } });
    open.push(client);
    const states: string[] = [];
    client.state.subscribe((s) => states.push(s));
    const got: Notification[] = [];
    client.on('notification', (n) => got.push(n));
    await until(() => client.state.get() === 'connected', 'connected');
    await sleep(4500); // beyond the 3 s lifetime of the token it connected with
    expect(client.state.get()).toBe('connected');
    expect(state.refreshes).toBeGreaterThanOrEqual(2);
    expect(states).toEqual(['reconnecting', 'connected']); // connecting, then connected: never dropped in between
    const alice = await server.login('alice');
    await server.request('POST', '/api/orders', { token: alice.accessToken, body: { customer: 'Late Co.', items: [{ sku: 'L', name: 'Late', qty: 1, unitPrice: '1.00' }] } });
    await until(() => got.length === 1, 'an event on the refreshed socket');
  }, 30_000);

  it('given an expired token, refreshes before connecting instead of being refused', async () => {
    const { state, refreshToken } = await tokenSource('alice');
    const expired = jwt.sign({ ver: 0, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, { subject: state.userId, issuer: 'herald', audience: 'herald' });
    const client = new HeraldClient({ url: server.url, getToken: async () => expired, refreshToken, socketOptions: { transports: ['websocket'] } });
    open.push(client);
    await until(() => client.state.get() === 'connected', 'connected with a refreshed token');
    expect(state.refreshes).toBeGreaterThanOrEqual(1);
  });
});
