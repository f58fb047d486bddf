import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { startTestServer, TestServer } from './support/server';
import { TEST_REDIS_URL } from './support/database';
import { pushClient } from './support/push';
import { connectSocket, sleep, TestSocket } from './support/sockets';

async function redisReachable(): Promise<boolean> {
  const client = createClient({ url: TEST_REDIS_URL, socket: { connectTimeout: 1500, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.quit().catch(() => undefined);
  }
}

const inCi = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Invariant 6: two instances joined by Redis deliver exactly as one. Skipped, with the reason
 * printed, only outside CI when no Redis answers.
 */
describe('two instances behind any load balancer (Redis Streams adapter)', () => {
  let available = true;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    available = await redisReachable();
    if (!available) {
      if (inCi) throw new Error(`Redis is not reachable at ${TEST_REDIS_URL}, and CI requires it.`);
      process.stderr.write(`[herald tests] Redis not reachable at ${TEST_REDIS_URL}: skipping the scale-out tests.\n`);
      return;
    }
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `herald-test-${randomBytes(4).toString('hex')}` };
    a = await startTestServer({ env });
    b = await startTestServer({ db: a.db, env });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  const itWithRedis = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      if (!available) return void console.warn(`skipped (no Redis at ${TEST_REDIS_URL}): ${name}`);
      await fn();
    });

  itWithRedis('a push on one instance reaches sockets on both, once each, and counts them online', async () => {
    const alice = await a.login('alice');
    const bob = await b.login('bob');
    const { push } = await pushClient(b, 'scale');
    const sockets: TestSocket[] = [
      await connectSocket(a.url, { token: alice.accessToken }),
      await connectSocket(b.url, { token: alice.accessToken }),
      await connectSocket(a.url, { token: bob.accessToken }),
    ];
    try {
      // A push counts readers on the other instance from its copy of that instance's presence, which follows a
      // connect within milliseconds (test/presence-replica.e2e-spec.ts): give it those before the count is checked.
      await sleep(200);
      const res = await push({ to: { rooms: ['orders'] }, type: 'test.scale', title: 'both instances' });
      expect(res.body).toMatchObject({ recipients: 4, online: 2 });
      for (const s of sockets) await s.waitFor(() => s.received.length === 1);
      await sleep(300);
      for (const s of sockets) expect(s.received.map((n) => n.id)).toEqual(res.body.ids);
    } finally {
      sockets.forEach((s) => s.close());
    }
  });

  itWithRedis('logout on one instance disconnects the user’s sockets on the other', async () => {
    const carol = await a.login('carol');
    const onA = await connectSocket(a.url, { token: carol.accessToken });
    const gone = new Promise((resolve) => onA.socket.once('disconnect', resolve));
    expect((await b.request('POST', '/api/auth/logout', { token: carol.accessToken })).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
  });

  itWithRedis('a role change made on one instance re-evaluates rooms on the other', async () => {
    const admin = await b.login('admin');
    const dave = await a.login('dave');
    const onA = await connectSocket(a.url, { token: dave.accessToken });
    const { push } = await pushClient(b, 'scale-roles');
    try {
      await b.request('PATCH', `/api/users/${dave.user.id}`, { token: admin.accessToken, body: { roles: ['staff', 'finance'] } });
      await onA.waitFor(() => onA.unread.length >= 2, 10_000, 'the unread count sent after the role change');
      await push({ to: { rooms: ['role:finance'] }, type: 'test.finance', title: 'for finance' });
      await onA.waitFor(() => onA.received.length === 1);
      expect(onA.received[0].room).toBe('role:finance');
    } finally {
      onA.close();
      await b.request('PATCH', `/api/users/${dave.user.id}`, { token: admin.accessToken, body: { roles: ['staff'] } });
    }
  });

  itWithRedis('login limits are shared: spreading attempts over both instances does not double them', async () => {
    const attempt = (server: TestServer) =>
      server.request('POST', '/api/auth/login', { body: { username: 'mallory-target', password: 'guess' } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt(i % 2 ? b : a)).status);
    // LOGIN_RATE_PER_USER is 10 a minute: the 11th attempt is refused whichever instance it reaches.
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  itWithRedis('readiness reports Redis', async () => {
    const ready = await a.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toHaveProperty('redis.status', 'up');
  });
});
