import { Client } from 'pg';
import type { ApprovalDto } from '@herald/contracts';
import { createTestDatabase, TestDatabase } from './support/database';
import { freePort, runServer, ServerProcess, waitForHealthy } from './support/built-server';
import { startTestServer, TEST_JWT_SECRET, TestServer } from './support/server';
import { sleep } from './support/sockets';
import { until } from './support/wait';

/**
 * Timers due at once for one pending approval step, as ApprovalTimers sets them but many under one
 * prefix: each carries its number in waitedSeconds, which its approval.reminder repeats, so every
 * event can be traced back to the one timer that fired it.
 */
async function commitBurst(db: Client, approval: ApprovalDto, from: number, count: number): Promise<void> {
  const values: string[] = [];
  const params: unknown[] = [];
  for (let n = from; n < from + count; n++) {
    params.push(`approval:${approval.id}:0:burst-${n}`, JSON.stringify({ approvalId: approval.id, position: 0, approverId: approval.steps[0].approverId, waitingSince: approval.createdAt, waitedSeconds: n }));
    values.push(`('approval.remind', $${params.length - 1}, now(), $${params.length})`);
  }
  await db.query(`INSERT INTO timers (kind, key, due_at, payload) VALUES ${values.join(', ')}`, params);
}

/** waitedSeconds of every approval.reminder recorded for the approval, from the outbox. */
async function remindersOf(db: Client, approvalId: string): Promise<number[]> {
  const { rows } = await db.query(`SELECT (payload->>'waitedSeconds')::int AS n FROM outbox WHERE type = 'approval.reminder' AND aggregate_id = $1 ORDER BY 1`, [approvalId]);
  return rows.map((r: { n: number }) => r.n);
}

const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => until(check, what, timeoutMs, 100);

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('durable timers across SIGKILL', () => {
  let database: TestDatabase;
  let sql: Client;
  let port: number;
  let proc: ServerProcess | undefined;
  const url = () => `http://127.0.0.1:${port}`;
  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${url()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const login = async (name: string) => (await api('POST', '/api/auth/login', undefined, { username: name, password: 'herald-demo' })).body as { accessToken: string; user: { id: string } };
  const start = async () => {
    proc = runServer({ DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, PORT: String(port), HOST: '127.0.0.1', DEMO_SEED: 'true', LOG_LEVEL: 'error', NODE_ENV: 'test' });
    await waitForHealthy(`${url()}/health/ready`, proc);
  };
  const kill = async () => {
    proc!.child.kill('SIGKILL');
    await proc!.exited;
  };
  let approval: ApprovalDto;

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    await start();
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await proc?.exited;
    await sql?.end();
    await database?.drop();
  });

  it('a reminder that came due while the server was killed fires after the restart, once', async () => {
    const admin = await login('admin');
    const dave = await login('dave');
    const carol = await login('carol');
    expect((await api('PUT', '/api/admin/approval-policies/purchase', admin.accessToken, { remindAfter: 2, escalateAfter: null })).status).toBe(200);
    const submitted = await api('POST', '/api/approvals', dave.accessToken, { kind: 'purchase', title: 'Across a crash', amount: '5.00', approverIds: [carol.user.id] });
    expect(submitted.status).toBe(201);
    approval = submitted.body as ApprovalDto;
    await kill();

    // Due while nobody runs: it stays pending, nothing is recorded.
    await waitUntil('the timer to come due', async () => (await sql.query(`SELECT due_at <= now() AS due FROM timers WHERE key = $1`, [`approval:${approval.id}:0:remind`])).rows[0]?.due === true, 10_000);
    await sleep(300);
    expect((await sql.query(`SELECT fired_at FROM timers WHERE key = $1`, [`approval:${approval.id}:0:remind`])).rows).toEqual([{ fired_at: null }]);
    expect(await remindersOf(sql, approval.id)).toEqual([]);

    await start();
    await waitUntil('the reminder after the restart', async () => (await remindersOf(sql, approval.id)).length > 0);
    await sleep(1500); // polls of the restarted server that would fire it again
    expect(await remindersOf(sql, approval.id)).toEqual([2]);
    const carolAgain = await login('carol');
    const inbox = await api('GET', '/api/notifications?limit=100', carolAgain.accessToken);
    expect((inbox.body as { items: Array<{ type: string }> }).items.filter((n) => n.type === 'approval.reminder')).toHaveLength(1);
  }, 180_000);

  it('SIGKILL at any point while timers fire loses none and fires none twice', async () => {
    const PER_ROUND = 60;
    for (let round = 0; round < 2; round++) {
      await commitBurst(sql, approval, 100 + round * PER_ROUND, PER_ROUND);
      await sleep(Math.random() * 1200); // the runner polls each second: somewhere before, during or after the burst
      await kill();
      await start();
    }
    const expected = range(100, 2 * PER_ROUND);
    await waitUntil('every burst timer fired', async () => (await remindersOf(sql, approval.id)).length >= expected.length + 1);
    await sleep(1000);
    expect(await remindersOf(sql, approval.id)).toEqual([2, ...expected]);
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM timers WHERE key LIKE $1 AND fired_at IS NULL`, [`approval:${approval.id}:%`]);
    expect(rows[0].n).toBe(0);
  }, 240_000);
});

describe('durable timers with two instances on one database', () => {
  let a: TestServer;
  let b: TestServer;
  let sql: Client;

  beforeAll(async () => {
    a = await startTestServer();
    b = await startTestServer({ db: a.db });
    sql = new Client({ connectionString: a.db.url });
    await sql.connect();
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await b?.stop();
    await a?.stop();
  });

  /** The value of one metric series on one instance (0 when it has none yet). */
  const metric = async (server: TestServer, series: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const firedOn = (server: TestServer) => metric(server, 'herald_timers_fired_total{kind="approval.remind",outcome="fired"}');

  it('fire each timer exactly once between them', async () => {
    const admin = await a.login('admin');
    const dave = await b.login('dave');
    const carol = await a.login('carol');
    expect((await a.request('PUT', '/api/admin/approval-policies/leave', { token: admin.accessToken, body: { remindAfter: 1, escalateAfter: null } })).status).toBe(200);
    // Real requests, submitted on the instance that did not set the policy.
    const submitted: ApprovalDto[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await b.request('POST', '/api/approvals', { token: dave.accessToken, body: { kind: 'leave', title: `Leave ${i}`, approverIds: [carol.user.id] } });
      expect(res.status).toBe(201);
      submitted.push(res.body as ApprovalDto);
    }
    // And a backlog due at once, which both instances' runners claim from.
    const COUNT = 400;
    await commitBurst(sql, submitted[0], 1000, COUNT);

    await waitUntil('every timer fired', async () => {
      const { rows } = await sql.query(`SELECT count(*)::int AS n FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL`);
      return rows[0].n === 0;
    }, 60_000);
    await sleep(1500);
    expect(await remindersOf(sql, submitted[0].id)).toEqual([1, ...range(1000, COUNT)]);
    for (const s of submitted.slice(1)) expect(await remindersOf(sql, s.id)).toEqual([1]);
    // One notification per event, too (the dispatcher's side of the same guarantee).
    await waitUntil('the notifications', async () => (await sql.query(`SELECT count(*)::int AS n FROM notifications WHERE type = 'approval.reminder'`)).rows[0].n >= COUNT + 5);
    const { rows } = await sql.query(`SELECT count(*)::int AS n, count(DISTINCT outbox_id)::int AS d FROM notifications WHERE type = 'approval.reminder'`);
    expect(rows[0]).toEqual({ n: COUNT + 5, d: COUNT + 5 });
    // Each instance counts what it fired: together exactly one firing per timer.
    const [onA, onB] = [await firedOn(a), await firedOn(b)];
    process.stderr.write(`[durable timers] fired on instance A: ${onA}, on instance B: ${onB}\n`);
    expect(onA + onB).toBe(COUNT + 5);
  }, 120_000);

  it('a timer that cannot fire records why, backs off and is retried, and holds up none behind it', async () => {
    const carol = await a.login('carol');
    const dave = await a.login('dave');
    const res = await a.request('POST', '/api/approvals', { token: dave.accessToken, body: { kind: 'purchase', title: 'Behind a bad timer', amount: '1.00', approverIds: [carol.user.id] } });
    expect(res.status).toBe(201);
    await sql.query(
      `INSERT INTO timers (kind, key, due_at, payload) VALUES
         ('nobody.knows', 'test:unknown-kind', now() - interval '2 seconds', '{}'),
         ('approval.remind', 'test:broken-payload', now() - interval '2 seconds', '{"approvalId": 7}')`,
    );
    await commitBurst(sql, res.body as ApprovalDto, 5000, 1);
    await waitUntil('the good timer behind the bad ones', async () => (await remindersOf(sql, res.body.id)).includes(5000));
    let rows: Array<{ key: string; attempts: number; last_error: string; retry_in: number; fired_at: Date | null }> = [];
    await waitUntil('a second attempt', async () => {
      rows = (await sql.query(
        `SELECT key, attempts, last_error, extract(epoch FROM next_attempt_at - now())::float8 AS retry_in, fired_at FROM timers WHERE key LIKE 'test:%' ORDER BY key`,
      )).rows;
      return rows.every((r) => r.attempts >= 2);
    }, 15_000);
    expect(rows).toEqual([
      { key: 'test:broken-payload', attempts: expect.any(Number), last_error: expect.stringMatching(/has no approval step in its payload/), retry_in: expect.any(Number), fired_at: null },
      { key: 'test:unknown-kind', attempts: expect.any(Number), last_error: expect.stringMatching(/No handler is registered for timer kind "nobody.knows"/), retry_in: expect.any(Number), fired_at: null },
    ]);
    // Backoff: base 1 s doubling, so the next attempt is further off than a poll.
    for (const r of rows) expect(r.retry_in).toBeGreaterThan(0.5);
    // Whichever instance took each attempt counted it.
    const failures = async (kind: string) => (await metric(a, `herald_timers_failures_total{kind="${kind}"}`)) + (await metric(b, `herald_timers_failures_total{kind="${kind}"}`));
    expect(await failures('nobody.knows')).toBeGreaterThanOrEqual(2);
    expect(await failures('approval.remind')).toBeGreaterThanOrEqual(2);
    expect(await metric(a, 'herald_timers_pending')).toBe(2); // the two bad ones (purchase has no policy here: no timer of its own)
  }, 60_000);
});
