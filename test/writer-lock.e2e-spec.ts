import { Client } from 'pg';
import { ADVISORY_LOCKS } from '@herald/database';
import { WRITER_IDLE_TIMEOUT_MS, WRITER_LOCK_TIMEOUT_MS } from '@herald/notifications/notification-store';
import { pushClient } from './support/push';
import { sleep } from './support/sockets';
import { startTestServer, TestServer } from './support/server';

/**
 * A writer-lock holder that stalls (a frozen instance, or one idle in its transaction) is ended by
 * PostgreSQL, so the rest of the cluster keeps writing notifications.
 */
describe('the notification writer lock', () => {
  let server: TestServer;

  /** The embedded database has one backend for every client, so no client ever waits for another's lock. */
  const onEmbedded = (): boolean => {
    if (!server.db.embedded) return false;
    if (process.env.CI) throw new Error('PostgreSQL is required in CI');
    process.stderr.write('[herald tests] writer-lock: needs PostgreSQL (the embedded database has one backend, so locks never contend)\n');
    return true;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('does not let a stalled holder stop other writers: its session is ended and a push commits within a bound', async () => {
    if (onEmbedded()) return;
    const { push } = await pushClient(server);
    const holder = new Client({ connectionString: server.db.url });
    holder.on('error', () => undefined); // its session is about to be ended by the server: expected here
    await holder.connect();
    const [{ pid }] = (await holder.query('SELECT pg_backend_pid() AS pid')).rows;
    // Exactly what NotificationStore.lockWriter does, then the holder goes silent (as a SIGSTOPped process would).
    await holder.query('BEGIN');
    await holder.query(
      `SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)`,
      [`${WRITER_LOCK_TIMEOUT_MS}ms`, `${WRITER_IDLE_TIMEOUT_MS}ms`],
    );
    await holder.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.notificationWriter]);

    const started = Date.now();
    const res = await push({ type: 'test.lock', title: 'behind a stalled holder', to: { all: true } });
    const ms = Date.now() - started;
    process.stderr.write(`[writer-lock] push behind a stalled holder answered ${res.status} after ${ms} ms\n`);
    expect(res.status).toBe(202);
    expect(ms).toBeLessThan(WRITER_LOCK_TIMEOUT_MS);

    const probe = new Client({ connectionString: server.db.url });
    await probe.connect();
    try {
      const alive = (await probe.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rows;
      expect(alive).toHaveLength(0);
    } finally {
      await probe.end();
    }
    await holder.end().catch(() => undefined);
  }, 30_000);

  it('makes a push waiting behind a busy holder give up at lock_timeout and answer 503 database_busy with Retry-After', async () => {
    if (onEmbedded()) return;
    const { push } = await pushClient(server, 'busy-test');
    // A holder that keeps the lock while busy (a long statement, not idle): waiters give up after lock_timeout.
    const holder = new Client({ connectionString: server.db.url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.notificationWriter]);
    const sleeping = holder.query(`SELECT pg_sleep(${(WRITER_LOCK_TIMEOUT_MS + 3000) / 1000})`).catch(() => undefined);
    await sleep(100);
    const started = Date.now();
    const res = await push({ type: 'test.lock', title: 'behind a busy holder', to: { all: true } });
    const ms = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('database_busy');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(ms).toBeLessThan(WRITER_LOCK_TIMEOUT_MS + 2000);
    await sleeping;
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end().catch(() => undefined);
  }, 30_000);

  it('takes the lock before any id: a push waiting for it has not advanced the id sequence, and commits once it is free', async () => {
    if (onEmbedded()) return;
    const { push } = await pushClient(server, 'order-test');
    // One id taken first, so last_value moves with every nextval (a fresh sequence's first one leaves it at 1).
    expect((await push({ type: 'test.lock', title: 'first', to: { all: true } })).status).toBe(202);
    const holder = new Client({ connectionString: server.db.url });
    await holder.connect();
    const sequence = async () => BigInt((await holder.query(`SELECT last_value::text AS v FROM notifications_id_seq`)).rows[0].v);
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.notificationWriter]);
      // The holder's own reads of the sequence are outside its lock's meaning: last_value is not transactional.
      const before = await sequence();
      const waiting = push({ type: 'test.lock', title: 'waits for the lock', to: { all: true } });
      await sleep(500);
      // The push's statement is in the database, waiting on the lock, and has taken no id: ids cannot come out of order.
      const waits = await holder.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1`,
        [ADVISORY_LOCKS.notificationWriter],
      );
      expect(waits.rows[0].n).toBe(1);
      expect(await sequence()).toBe(before);
      await holder.query('COMMIT');
      const res = await waiting;
      expect(res.status).toBe(202);
      expect(BigInt(res.body.ids[0] as string)).toBeGreaterThan(before);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }, 30_000);

  it('writes a plain push on its own connection, one statement, so no other query shares its generic plans', async () => {
    if (onEmbedded()) return;
    const { push } = await pushClient(server, 'own-connection');
    expect((await push({ type: 'test.lock', title: 'on the writer connection', to: { all: true } })).status).toBe(202);
    const probe = new Client({ connectionString: server.db.url });
    await probe.connect();
    try {
      const { rows } = await probe.query(
        `SELECT application_name, state, left(query, 40) AS query FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%-writer'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].query).toMatch(/^WITH lk AS MATERIALIZED/);
      // Outside any transaction between statements: nothing is held across a round trip.
      expect(rows[0].state).toBe('idle');
    } finally {
      await probe.end();
    }
  });
});
