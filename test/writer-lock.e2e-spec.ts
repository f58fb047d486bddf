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

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('does not let a stalled holder stop other writers: its session is ended and a push commits within a bound', async () => {
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
});
