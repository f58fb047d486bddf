import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep, TestSocket } from './support/sockets';
import { privateRedis, privateRedisUnavailable, PrivateRedis } from './support/private-redis';

/**
 * Redis is a convenience, not a dependency of delivery: every instance tails the notifications table
 * itself. These tests kill a private redis-server (kill -9) and restart it on the same port, under
 * push load, and check that nothing crashes, nothing is lost, and nothing waits on the absent Redis.
 */
const unavailable = privateRedisUnavailable();
const describeRedis = unavailable ? describe.skip : describe;
if (unavailable) process.stderr.write(`[herald tests] ${unavailable}: skipping the Redis fault tests.\n`);

/** Unhandled rejections anywhere in this process (the Herald instances run in it). */
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);
beforeAll(() => void process.on('unhandledRejection', onRejection));
afterAll(() => void process.off('unhandledRejection', onRejection));

const describeRejections = () => rejections.map((r) => (r instanceof Error ? `${r.name}: ${r.message}\n${r.stack}` : String(r))).join('\n---\n');

describeRedis('Redis faults under push load (two instances, a private Redis)', () => {
  let redis: PrivateRedis;
  let a: TestServer;
  let b: TestServer;
  let onA: TestSocket;
  let onB: TestSocket;
  let carolOnB: TestSocket;
  let carolId: string;
  let push: (body: unknown) => ReturnType<TestServer['request']>;
  let aliceId: string;
  let aliceToken: string;

  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: `herald-faults-${randomBytes(4).toString('hex')}` };
    a = await startTestServer({ env });
    b = await startTestServer({ db: a.db, env });
    const alice = await a.login('alice');
    aliceId = alice.user.id;
    aliceToken = alice.accessToken;
    onA = await connectSocket(a.url, { token: alice.accessToken });
    onB = await connectSocket(b.url, { token: alice.accessToken });
    // Carol is online on B only: A counts her only through Redis.
    const carol = await b.login('carol');
    carolId = carol.user.id;
    carolOnB = await connectSocket(b.url, { token: carol.accessToken });
    ({ push } = await pushClient(a, 'faults'));
  });
  afterAll(async () => {
    onA?.close();
    onB?.close();
    carolOnB?.close();
    await b?.stop();
    await a?.stop();
    await redis?.kill();
  });

  it('survives 12 kills of Redis during steady pushes: no unhandled rejection, no lost notification', async () => {
    const accepted = new Set<string>();
    const refused: string[] = [];
    const latencies: number[] = [];
    let stop = false;
    const inFlight = new Set<Promise<void>>();
    const loader = (async () => {
      // About 40 pushes a second, at most 8 awaiting an answer; bounded by count as well as by `stop`.
      for (let i = 0; i < 3000 && !stop; i++) {
        const t0 = Date.now();
        const p = push({ to: { userIds: [aliceId] }, type: 'test.fault', title: `load ${i}` }).then(
          (res) => {
            latencies.push(Date.now() - t0);
            if (res.status >= 200 && res.status < 300) for (const id of res.body.ids as string[]) accepted.add(id);
            else refused.push(`${res.status} ${JSON.stringify(res.body)}`);
          },
          (err: Error) => void refused.push(err.message),
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        if (inFlight.size >= 8) await Promise.race(inFlight);
        await sleep(25);
      }
      await Promise.all(inFlight);
    })();

    const started = Date.now();
    let kills = 0;
    while (kills < 12 && Date.now() - started < 30_000) {
      await sleep(600 + Math.random() * 600);
      await redis.kill();
      kills++;
      await sleep(200 + Math.random() * 600);
      await redis.start();
    }
    await sleep(1500);
    stop = true;
    await loader;

    expect(kills).toBeGreaterThanOrEqual(10);
    expect(accepted.size).toBeGreaterThan(200);
    // Every push answered 2xx reaches both sockets (duplicates, if any, are dropped by id).
    const has = (s: TestSocket) => () => [...accepted].every((id) => s.received.some((n) => n.id === id));
    await onA.waitFor(has(onA), 20_000, 'every accepted push on the socket of instance A');
    await onB.waitFor(has(onB), 20_000, 'every accepted push on the socket of instance B');
    expect(onA.socket.connected && onB.socket.connected).toBe(true);
    // Both instances alive and serving.
    expect((await a.request('GET', '/health')).status).toBe(200);
    expect((await b.request('GET', '/health')).status).toBe(200);
    expect(describeRejections()).toBe('');
    latencies.sort((x, y) => x - y);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    process.stdout.write(`[redis-faults] ${kills} kills in ${Date.now() - started} ms; ${accepted.size} pushes accepted, ${refused.length} refused; push latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms\n`);
    expect(refused.filter((r) => !r.startsWith('429'))).toEqual([]);
  }, 60_000);

  it('while Redis is down: pushes do not wait for presence, readiness is 200 with Redis degraded', async () => {
    const both = { to: { userIds: [aliceId, carolId] }, type: 'test.presence', title: 'who is online' };
    await eventually(async () => (await push(both)).body.online === 2);
    await redis.kill();
    try {
      await sleep(200);
      const timings: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        const res = await push({ ...both, title: `down ${i}` });
        timings.push(Date.now() - t0);
        expect(res.status).toBe(202);
        // Only this instance counts: alice's socket on A; carol, on B, cannot be asked about.
        expect(res.body.online).toBe(1);
      }
      expect(Math.max(...timings)).toBeLessThan(500);

      const ready = await a.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'degraded',
        info: { database: { status: 'up' }, redis: { status: 'degraded', message: expect.stringMatching(/^Redis at 127\.0\.0\.1:\d+ is not connected/) } },
        error: {},
      });
      // What the adapter could not hand to Redis is counted: read-all broadcasts the new unread count.
      expect((await a.request('POST', '/api/notifications/read-all', { token: aliceToken })).status).toBeLessThan(300);
      await onA.waitFor(() => onA.unread.at(-1) === 0, 5000, 'the unread count after read-all, on A');
      const metrics = await (await fetch(`${a.url}/metrics`)).text();
      const refusedCount = Number(/^herald_adapter_errors_total\{reason="refused"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
      expect(metrics).toMatch(/^# TYPE herald_adapter_errors_total counter$/m);
      expect(refusedCount).toBeGreaterThan(0);
      // The notification still reached both instances' sockets, through the database.
      const last = (await push({ to: { userIds: [aliceId] }, type: 'test.down', title: 'down last' })).body.ids[0] as string;
      await onA.waitFor(() => onA.received.some((n) => n.id === last), 10_000, 'the push made while Redis is down, on A');
      await onB.waitFor(() => onB.received.some((n) => n.id === last), 10_000, 'the push made while Redis is down, on B');
    } finally {
      await redis.start();
    }
    // Back up: both instances count each other's sockets again and report Redis up.
    await eventually(async () => (await push(both)).body.online === 2 && (await a.request('GET', '/health/ready')).body.info?.redis?.status === 'up');
    expect(describeRejections()).toBe('');
  }, 40_000);

  it('a Redis that stalls (connected, answering nothing) delays a push by a bounded time, never hangs it', async () => {
    redis.pause();
    try {
      const t0 = Date.now();
      const res = await push({ to: { userIds: [aliceId] }, type: 'test.stall', title: 'stalled Redis' });
      const ms = Date.now() - t0;
      expect(res.status).toBe(202);
      // Neither presence nor the push rate limit asks Redis per push (the bound is what it was when both did).
      expect(ms).toBeLessThan(4500);
      process.stdout.write(`[redis-faults] push with a stalled Redis answered in ${ms} ms\n`);
      await onA.waitFor(() => onA.received.some((n) => n.id === res.body.ids[0]), 10_000, 'the push made while Redis stalls, on A');
    } finally {
      redis.resume();
    }
    expect(describeRejections()).toBe('');
  }, 30_000);
});

describeRedis('an instance started while Redis is down', () => {
  it('says so, retries visibly, serves HTTP and delivery, and joins the other instance when Redis comes', async () => {
    const redis = await privateRedis();
    const warnings: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown, ...rest: unknown[]) {
      warnings.push(`${JSON.stringify(message)} ${rest.map((r) => JSON.stringify(r)).join(' ')}`);
    });
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: `herald-late-${randomBytes(4).toString('hex')}` };
    let c: TestServer | undefined;
    let d: TestServer | undefined;
    const sockets: TestSocket[] = [];
    try {
      const t0 = Date.now();
      c = await startTestServer({ env });
      const startMs = Date.now() - t0;
      // Up and serving without Redis, and ready (Redis degraded).
      const ready = await c.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info.redis.status).toBe('degraded');
      const bob = await c.login('bob');
      const onC = await connectSocket(c.url, { token: bob.accessToken });
      sockets.push(onC);
      const { push } = await pushClient(c, 'late');
      const first = await push({ to: { userIds: [bob.user.id] }, type: 'test.late', title: 'before Redis' });
      expect(first.status).toBe(202);
      expect(first.body.online).toBe(1);
      await onC.waitFor(() => onC.received.length === 1);
      // One warning per attempt, with the address, the cause and the next delay.
      await eventually(async () => warnings.filter((w) => w.includes('retrying')).length >= 2);
      const retry = warnings.find((w) => w.includes('retrying'))!;
      expect(retry).toContain(`127.0.0.1:${redis.port}`);
      expect(retry).toMatch(/ECONNREFUSED/);
      expect(retry).toMatch(/"retryInMs":\d+/);

      // Redis comes: the instance connects, and a second instance sees its sockets and it sees theirs.
      await redis.start();
      await eventually(async () => (await c!.request('GET', '/health/ready')).body.info?.redis?.status === 'up');
      d = await startTestServer({ db: c.db, env });
      const { push: pushD } = await pushClient(d, 'late-d');
      const carol = await d.login('carol');
      const carolOnD = await connectSocket(d.url, { token: carol.accessToken });
      sockets.push(carolOnD);
      await eventually(async () => (await push({ to: { userIds: [bob.user.id, carol.user.id] }, type: 'test.late', title: 'both' })).body.online === 2);
      const dave = await c.login('dave');
      const daveOnC = await connectSocket(c.url, { token: dave.accessToken });
      sockets.push(daveOnC);
      await eventually(async () => (await pushD({ to: { userIds: [carol.user.id, dave.user.id] }, type: 'test.late', title: 'both' })).body.online === 2);
      process.stdout.write(`[redis-faults] started without Redis in ${startMs} ms\n`);
    } finally {
      sockets.forEach((s) => s.close());
      spy.mockRestore();
      await d?.stop();
      await c?.stop();
      await redis.kill();
    }
    expect(describeRejections()).toBe('');
  }, 60_000);

  it('stops promptly while Redis is still down', async () => {
    const redis = await privateRedis();
    const c = await startTestServer({ env: { REDIS_URL: redis.url, REDIS_PREFIX: `herald-stop-${randomBytes(4).toString('hex')}` } });
    await sleep(500);
    const t0 = Date.now();
    await c.stop();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(describeRejections()).toBe('');
  }, 30_000);
});

async function eventually(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(200);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
