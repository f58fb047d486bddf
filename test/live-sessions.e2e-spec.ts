import { Client } from 'pg';
import { MAX_READERS_PER_USER, STREAM_TICKETS_PER_MINUTE } from '@herald/notifications';
import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep, TestSocket } from './support/sockets';
import { openStream } from './support/sse';
import { PrivateRedis, privateRedis, privateRedisUnavailable } from './support/private-redis';

const closedReason = (s: TestSocket) =>
  new Promise<string>((resolve) => s.socket.once('session:closed' as never, (p: { reason: string }) => resolve(p.reason)));
const disconnected = (s: TestSocket) => new Promise<string>((resolve) => s.socket.once('disconnect', resolve));

/**
 * One live session for every transport, on every instance. Two instances share one PostgreSQL and
 * NO Redis: session events travel on the database bus (pg_notify from the changing transaction), so
 * a logout or a role change on A reaches sockets and SSE streams on B without any adapter.
 */
describe('live sessions: one set of session rules for sockets and SSE, across instances', () => {
  let a: TestServer;
  let b: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  let admin: string;
  let skip = false;

  beforeAll(async () => {
    a = await startTestServer();
    if (a.db.embedded) {
      // The embedded database has no cross-connection NOTIFY; one process is all it serves.
      skip = true;
      process.stderr.write('[herald tests] live-sessions: needs PostgreSQL (the embedded database has no cross-connection NOTIFY)\n');
      return;
    }
    b = await startTestServer({ db: a.db });
    ({ push } = await pushClient(a));
    admin = (await a.login('admin')).accessToken;
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  const maybe = (name: string, fn: () => Promise<void>, timeout?: number) =>
    it(name, async () => {
      if (skip && process.env.CI) throw new Error('PostgreSQL is required in CI');
      if (skip) return;
      await fn();
    }, timeout);

  maybe('a logout on A closes the user’s socket and SSE stream on B, saying why', async () => {
    const carol = await a.login('carol');
    const socket = await connectSocket(b.url, { token: carol.accessToken });
    const stream = await openStream(`${b.url}/api/notifications/stream`, { authorization: `Bearer ${carol.accessToken}` });
    await sleep(200); // the stream's session is registered once its headers are out
    const reason = closedReason(socket);
    const gone = disconnected(socket);
    expect((await a.request('POST', '/api/auth/logout', { token: carol.accessToken })).status).toBe(204);
    expect(await reason).toBe('signed_out');
    expect(await gone).toBe('io server disconnect');
    await stream.waitFor(() => stream.isEnded(), 5000);
    const last = stream.events.at(-1)!;
    expect(last.event).toBe('session.closed');
    expect(JSON.parse(last.data!)).toMatchObject({ reason: 'signed_out' });
  });

  maybe('a user demoted on A stops receiving the old role’s room on an SSE stream on B, and gets the new one', async () => {
    const erin = await a.login('erin'); // finance: in `orders`
    const stream = await openStream(`${b.url}/api/notifications/stream`, { authorization: `Bearer ${erin.accessToken}` });
    await sleep(200);
    const patch = await a.request('PATCH', `/api/users/${erin.user.id}`, { token: admin, body: { roles: ['manager'] } });
    expect(patch.status).toBe(200);
    await sleep(500); // the bus carries the change; B re-reads erin's roles
    expect((await push({ to: { rooms: ['orders'] }, type: 'test.orders', title: 'for orders' })).status).toBe(202);
    expect((await push({ to: { rooms: ['approvals'] }, type: 'test.approvals', title: 'for approvals' })).status).toBe(202);
    await stream.waitFor(() => stream.events.some((e) => e.event === 'test.approvals'));
    await sleep(300);
    expect(stream.events.map((e) => e.event)).not.toContain('test.orders');
    stream.close();
    await a.request('PATCH', `/api/users/${erin.user.id}`, { token: admin, body: { roles: ['finance'] } });
  });

  maybe('a stream ticket minted before a logout opens nothing after it', async () => {
    const dave = await a.login('dave');
    const minted = await a.request('POST', '/api/notifications/stream-ticket', { token: dave.accessToken });
    expect(minted.status).toBe(201);
    await a.request('POST', '/api/auth/logout', { token: dave.accessToken });
    const res = await fetch(`${b.url}/api/notifications/stream?ticket=${encodeURIComponent(minted.body.ticket)}`);
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });

  maybe(`limits stream tickets to ${STREAM_TICKETS_PER_MINUTE} a minute per user`, async () => {
    const bob = await a.login('bob');
    const answers: number[] = [];
    for (let i = 0; i < STREAM_TICKETS_PER_MINUTE + 5; i++) {
      answers.push((await a.request('POST', '/api/notifications/stream-ticket', { token: bob.accessToken })).status);
    }
    expect(answers.filter((s) => s === 201)).toHaveLength(STREAM_TICKETS_PER_MINUTE);
    expect(answers.slice(STREAM_TICKETS_PER_MINUTE)).toEqual(Array(5).fill(429));
  });

  maybe(`caps live readers per user at ${MAX_READERS_PER_USER} across sockets and streams`, async () => {
    const alice = await a.login('alice');
    const sockets: TestSocket[] = [];
    const streams: Array<Awaited<ReturnType<typeof openStream>>> = [];
    try {
      for (let i = 0; i < MAX_READERS_PER_USER / 2; i++) sockets.push(await connectSocket(a.url, { token: alice.accessToken }));
      for (let i = 0; i < MAX_READERS_PER_USER / 2; i++) {
        streams.push(await openStream(`${a.url}/api/notifications/stream`, { authorization: `Bearer ${alice.accessToken}` }));
      }
      await sleep(200);
      const refused = await fetch(`${a.url}/api/notifications/stream`, { headers: { authorization: `Bearer ${alice.accessToken}` } });
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: 'too_many_readers' });
      await expect(connectSocket(a.url, { token: alice.accessToken })).rejects.toMatchObject({ data: { code: 'too_many_sockets' } });
      streams.pop()!.close();
      await sleep(300);
      sockets.push(await connectSocket(a.url, { token: alice.accessToken }));
    } finally {
      sockets.forEach((s) => s.close());
      streams.forEach((s) => s.close());
    }
  });

  maybe('unknown socket events count against the rate limit, and a socket that keeps sending them is closed', async () => {
    const bob = await a.login('bob');
    const s = await connectSocket(a.url, { token: bob.accessToken });
    const gone = disconnected(s);
    let answered = 0;
    for (let i = 0; i < 200; i++) s.socket.emit('join', { room: 'orders' }, () => answered++);
    expect(await gone).toBe('io server disconnect');
    expect(answered).toBeLessThan(20);
  });

  maybe('a database failure during a handshake answers unavailable (retryable), not invalid_token', async () => {
    const bob = await a.login('bob');
    const sql = new Client({ connectionString: a.db.url });
    await sql.connect();
    try {
      // The user lookup fails as if the database were away; the credentials themselves are fine.
      await sql.query('ALTER TABLE users RENAME TO users_away');
      const err = await connectSocket(a.url, { token: bob.accessToken }).then(
        () => null,
        (e: Error & { data?: { code?: string } }) => e,
      );
      expect(err).toMatchObject({ message: 'unavailable', data: { code: 'unavailable' } });
    } finally {
      await sql.query('ALTER TABLE IF EXISTS users_away RENAME TO users');
      await sql.end();
    }
    const s = await connectSocket(a.url, { token: bob.accessToken });
    s.close();
  });

  maybe('live readers re-sync against the database when the session bus reconnects (an event it missed is caught up)', async () => {
    const bob = await a.login('bob');
    const s = await connectSocket(b.url, { token: bob.accessToken });
    const reason = closedReason(s);
    const sql = new Client({ connectionString: a.db.url });
    await sql.connect();
    try {
      // A session change that no bus message announced (as if it was sent while B's listener was away)…
      await sql.query('UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1', [bob.user.id]);
      // …then B's listener connection drops and comes back: B re-checks its readers.
      await sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'herald-listener' AND datname = current_database()`);
      expect(await Promise.race([reason, sleep(8000).then(() => 'still open')])).toBe('session_revoked');
    } finally {
      s.close();
      await sql.end();
    }
  }, 20_000);

  maybe('a reconnect storm under continuous traffic goes live: every replaying socket gets replay:done and misses nothing', async () => {
    const bob = await a.login('bob');
    const before = await push({ to: { userIds: [bob.user.id] }, type: 'test.storm', title: 'before' });
    const cursor = before.body.ids[0] as string;
    let pushing = true;
    const sent: string[] = [];
    const traffic = (async () => {
      while (pushing) {
        const res = await push({ to: { all: true }, type: 'test.storm', title: 'tick' });
        if (res.status === 202) sent.push(res.body.ids[0]);
        await sleep(20);
      }
    })();
    const sockets: TestSocket[] = [];
    try {
      await sleep(300);
      for (let i = 0; i < 15; i++) sockets.push(await connectSocket(i % 2 ? a.url : b.url, { token: bob.accessToken, lastSeenId: cursor }));
      await Promise.all(sockets.map((s) => s.waitFor(() => s.replayDone.length === 1, 15_000, 'replay:done under traffic')));
      await sleep(500);
      pushing = false;
      await traffic;
      const last = sent.at(-1)!;
      for (const s of sockets) {
        await s.waitFor(() => s.received.some((n) => n.id === last), 10_000, `the last push ${last}`);
        const got = s.received.map((n) => n.id);
        expect(new Set(got).size).toBe(got.length); // no duplicate at the seam
        expect(got).toEqual([...got].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))); // in order
        for (const id of sent) expect(got).toContain(id); // no gap
      }
    } finally {
      pushing = false;
      await traffic;
      sockets.forEach((s) => s.close());
    }
  }, 60_000);

});

/**
 * Over Redis, with Redis gone: the adversary's case. A logout and a role change made on A while
 * Redis is down reach B's socket and SSE stream at once, since the bus is the database.
 */
describe('live sessions over Redis, while Redis is down', () => {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  let redis: PrivateRedis | undefined;
  let reason: string | undefined;

  beforeAll(async () => {
    reason = privateRedisUnavailable();
    if (reason) return void process.stderr.write(`[herald tests] live-sessions over Redis: skipped (${reason})\n`);
    redis = await privateRedis();
    await redis.start();
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: `herald-live-${process.pid}` };
    a = await startTestServer({ env });
    if (a.db.embedded) {
      if (process.env.CI) throw new Error('PostgreSQL is required in CI');
      reason = 'needs PostgreSQL';
      return;
    }
    b = await startTestServer({ db: a.db, env });
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await redis?.kill();
  });

  it('a logout on A reaches the socket and the SSE stream on B although Redis is down', async () => {
    if (reason) return;
    const carol = await a!.login('carol');
    const socket = await connectSocket(b!.url, { token: carol.accessToken });
    const stream = await openStream(`${b!.url}/api/notifications/stream`, { authorization: `Bearer ${carol.accessToken}` });
    await sleep(200);
    await redis!.kill();
    const closed = closedReason(socket);
    const started = Date.now();
    expect((await a!.request('POST', '/api/auth/logout', { token: carol.accessToken })).status).toBe(204);
    expect(await closed).toBe('signed_out');
    await stream.waitFor(() => stream.isEnded(), 5000);
    expect(JSON.parse(stream.events.at(-1)!.data!)).toMatchObject({ reason: 'signed_out' });
    expect(Date.now() - started).toBeLessThan(5000); // not waiting for Redis to come back
  }, 30_000);
});
