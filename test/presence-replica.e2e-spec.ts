import { randomBytes } from 'node:crypto';
import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, TestSocket } from './support/sockets';
import { privateRedis, privateRedisUnavailable, PrivateRedis } from './support/private-redis';
import { until } from './support/wait';

/**
 * Issue 10: a push counts `online` readers on every instance without a Redis round trip. Each instance keeps a
 * copy of the others' presence (numbered changes, heartbeats, resync on a gap); GET /api/presence still asks.
 */
const unavailable = privateRedisUnavailable();
const describeRedis = unavailable ? describe.skip : describe;
if (unavailable) process.stderr.write(`[herald tests] ${unavailable}: skipping the replicated presence tests.\n`);

describeRedis('replicated presence for the online count of pushes (two instances, a private Redis)', () => {
  let redis: PrivateRedis;
  let a: TestServer;
  let b: TestServer;
  let push: (body: unknown) => ReturnType<TestServer['request']>;
  const sockets: TestSocket[] = [];
  const users: Record<string, { id: string; token: string }> = {};

  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: `herald-replica-${randomBytes(4).toString('hex')}`, PUSH_RATE_PER_SECOND: '1000' };
    a = await startTestServer({ env });
    b = await startTestServer({ db: a.db, env });
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      const s = await a.login(name);
      users[name] = { id: s.user.id, token: s.accessToken };
    }
    ({ push } = await pushClient(a, 'replica'));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await b?.stop();
    await a?.stop();
    await redis?.kill();
  });

  const onlineFor = async (body: object) => {
    const res = await push({ type: 'test.replica', title: 'who is online', ...body });
    expect(res.status).toBe(202);
    return res.body.online as number;
  };

  it('counts a reader on the other instance within moments of its connecting, by user room and by role room', async () => {
    sockets.push(await connectSocket(b.url, { token: users.bob.token })); // bob: warehouse
    const t0 = Date.now();
    await until(async () => (await onlineFor({ to: { userIds: [users.bob.id, users.dave.id] } })) === 1, 'A to count bob, online on B', 5000, 10);
    process.stdout.write(`[presence-replica] A counted a reader on B ${Date.now() - t0} ms after its socket connected\n`);
    expect(await onlineFor({ to: { rooms: ['role:warehouse'] } })).toBe(1);
    expect(await onlineFor({ to: { rooms: ['role:manager'] } })).toBe(0);
    // The explicit question agrees.
    const presence = await a.request('GET', `/api/presence?userIds=${users.bob.id},${users.dave.id}`, { headers: { 'x-api-key': (await pushClient(a, 'replica-q')).key } });
    expect(presence.body).toEqual({ online: { [users.bob.id]: true, [users.dave.id]: false } });
  });

  it('stops counting a reader once it disconnects on the other instance', async () => {
    const carolOnB = await connectSocket(b.url, { token: users.carol.token });
    await until(async () => (await onlineFor({ to: { userIds: [users.carol.id] } })) === 1, 'A to count carol');
    carolOnB.close();
    await until(async () => (await onlineFor({ to: { userIds: [users.carol.id] } })) === 0, 'A to stop counting carol', 5000);
  });

  it('a push does not wait on a stalled Redis for presence, and still counts what it knew', async () => {
    await until(async () => (await onlineFor({ to: { userIds: [users.bob.id] } })) === 1, 'A to count bob');
    redis.pause();
    try {
      const t0 = Date.now();
      const online = await onlineFor({ to: { userIds: [users.bob.id] } });
      const ms = Date.now() - t0;
      process.stdout.write(`[presence-replica] push with a stalled Redis answered in ${ms} ms, online ${online}\n`);
      expect(online).toBe(1);
      // Neither presence (it used to wait up to 2 s) nor the rate limit (1 s) asks Redis per push any more.
      expect(ms).toBeLessThan(500);
    } finally {
      redis.resume();
    }
  }, 20_000);

  it('a copy that missed changes while Redis was away catches up when it returns', async () => {
    redis.pause();
    const daveOnB = await connectSocket(b.url, { token: users.dave.token }); // B cannot tell A now
    sockets.push(daveOnB);
    redis.resume();
    await until(async () => (await onlineFor({ to: { userIds: [users.dave.id] } })) === 1, 'A to learn of dave after Redis came back', 10_000);
  }, 20_000);

  it('forgets an instance that stops: its readers are no longer counted', async () => {
    await until(async () => (await onlineFor({ to: { userIds: [users.bob.id] } })) === 1, 'A to count bob');
    await b.stop();
    await until(async () => (await onlineFor({ to: { userIds: [users.bob.id] } })) === 0, 'A to stop counting B’s readers', 3000);
  }, 20_000);
});
