import { Client } from 'pg';
import type { OrderEventPayload } from '@herald/contracts';
import { createTestDatabase, TestDatabase } from './support/database';
import { freePort, runServer, ServerProcess, waitForHealthy } from './support/built-server';
import { startTestServer, TEST_JWT_SECRET } from './support/server';
import { connectSocket, sleep } from './support/sockets';

/** What a domain service commits: the business change's outbox row (the business row itself is not needed here). */
async function commitOrderEvents(db: Client, ownerId: string, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const payload: OrderEventPayload = {
      order: { id: String(i + 1), number: `SO-C-${i}`, customer: 'Crash Co', total: '1.00', status: 'created', ownerId, itemCount: 1 },
      actor: { id: ownerId, displayName: 'Alice' },
    };
    await db.query('BEGIN');
    await db.query(`INSERT INTO outbox (type, aggregate_id, actor_id, payload) VALUES ('order.created', $1, $2, $3)`, [payload.order.id, ownerId, payload]);
    await db.query(`SELECT pg_notify('herald_outbox', '')`);
    await db.query('COMMIT');
  }
}

describe('no lost event when the process dies', () => {
  let database: TestDatabase;
  let sql: Client;
  let aliceId: string;
  let port: number;
  let proc: ServerProcess | undefined;
  const env = () => ({
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: String(port),
    HOST: '127.0.0.1',
    DEMO_SEED: 'true',
    LOG_LEVEL: 'error',
    NODE_ENV: 'test',
  });
  const url = () => `http://127.0.0.1:${port}`;
  const login = async (name: string) => {
    const res = await fetch(`${url()}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password: 'herald-demo' }) });
    return (await res.json()) as { accessToken: string; user: { id: string } };
  };
  const start = async () => {
    proc = runServer(env());
    await waitForHealthy(`${url()}/health/ready`, proc);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    await start();
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    aliceId = (await login('alice')).user.id;
  }, 120_000);
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await proc?.exited;
    await sql?.end();
    await database?.drop();
  });

  it('an event committed by a process that died before dispatching is delivered after the restart', async () => {
    proc!.child.kill('SIGKILL');
    await proc!.exited;
    await commitOrderEvents(sql, aliceId, 1); // committed; nobody running to dispatch or emit it
    await start();
    const { accessToken } = await login('alice');
    const later = await connectSocket(url(), { token: accessToken, lastSeenId: '0' });
    try {
      await later.waitFor(() => later.received.length === 1, 15_000, 'the event committed while down');
      expect(later.received[0]).toMatchObject({ type: 'order.created', data: { number: 'SO-C-0' } });
    } finally {
      later.close();
    }
  }, 120_000);

  it('SIGKILL at any point while dispatching loses nothing and duplicates nothing', async () => {
    const before: Array<{ n: number }> = await sql.query(`SELECT count(*)::int AS n FROM notifications`).then((r) => r.rows);
    for (let round = 0; round < 3; round++) {
      await commitOrderEvents(sql, aliceId, 40, 100 + round * 40);
      await sleep(Math.random() * 40); // the dispatcher is somewhere in its work
      proc!.child.kill('SIGKILL');
      await proc!.exited;
      await start();
    }
    const { accessToken } = await login('alice');
    const expected = before[0].n + 120;
    const later = await connectSocket(url(), { token: accessToken, lastSeenId: '0' });
    try {
      await later.waitFor(() => later.received.length >= expected, 20_000, `${expected} notifications`);
      await sleep(500);
      const numbers = later.received.map((n) => (n.data as { number: string }).number);
      expect(later.received).toHaveLength(expected);
      expect(new Set(numbers).size).toBe(expected);
      const [{ pending }] = (await sql.query(`SELECT count(*)::int AS pending FROM outbox WHERE processed_at IS NULL`)).rows;
      expect(pending).toBe(0);
    } finally {
      later.close();
    }
  }, 180_000);
});

describe('an event that cannot be rendered', () => {
  it('is parked at once with its reason, and holds up nothing behind it', async () => {
    const server = await startTestServer();
    try {
      const alice = await server.login('alice');
      const bob = await server.login('bob');
      const socket = await connectSocket(server.url, { token: bob.accessToken });
      const db = new Client({ connectionString: server.db.url });
      await db.connect();
      try {
        await db.query(`INSERT INTO outbox (type, aggregate_id, actor_id, payload) VALUES ('nobody.knows', '1', NULL, '{}')`);
        await commitOrderEvents(db, alice.user.id, 1, 500);
        await socket.waitFor(() => socket.received.length === 1, 10_000, 'the good event behind the bad one');
        expect(socket.received[0].data).toMatchObject({ number: 'SO-C-500' });
        let parked: Array<{ attempts: number; parked_reason: string | null; parked_at: Date | null; processed_at: Date | null }> = [];
        for (let i = 0; i < 40 && !parked[0]?.parked_at; i++) {
          parked = (await db.query(`SELECT attempts, parked_reason, parked_at, processed_at FROM outbox WHERE type = 'nobody.knows'`)).rows;
          if (!parked[0]?.parked_at) await sleep(100);
        }
        // Retrying cannot render it: parked on the first attempt, never marked dispatched.
        expect(parked[0]).toMatchObject({
          attempts: 1,
          parked_reason: expect.stringMatching(/No audience rule for event type "nobody.knows"/),
          parked_at: expect.any(Date),
          processed_at: null,
        });
      } finally {
        socket.close();
        await db.end();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('outbox retention', () => {
  it('deletes dispatched rows older than OUTBOX_RETENTION_DAYS at start-up (even ones that needed retries), and keeps parked ones and recent ones', async () => {
    const first = await startTestServer();
    const db = new Client({ connectionString: first.db.url });
    try {
      await first.stop({ keepDatabase: true });
      await db.connect();
      await db.query(
        `INSERT INTO outbox (type, aggregate_id, payload, created_at, processed_at, last_error, parked_at, parked_reason) VALUES
           ('order.created', 'old', '{}', now() - interval '10 days', now() - interval '10 days', NULL, NULL, NULL),
           ('order.created', 'old-retried', '{}', now() - interval '10 days', now() - interval '10 days', 'lock timeout', NULL, NULL),
           ('nobody.knows', 'parked', '{}', now() - interval '10 days', NULL, 'No audience rule', now() - interval '10 days', 'No audience rule'),
           ('order.created', 'recent', '{}', now() - interval '2 days', now() - interval '2 days', NULL, NULL, NULL)`,
      );
      const second = await startTestServer({ db: first.db, env: { OUTBOX_RETENTION_DAYS: '7' } });
      try {
        let left: string[] = [];
        for (let i = 0; i < 40; i++) {
          left = (await db.query(`SELECT aggregate_id FROM outbox ORDER BY id`)).rows.map((r) => r.aggregate_id);
          if (!left.includes('old') && !left.includes('old-retried')) break;
          await sleep(100);
        }
        expect(left).toEqual(['parked', 'recent']);
      } finally {
        await second.stop({ keepDatabase: true });
      }
    } finally {
      await db.end();
      await first.db.drop();
    }
  });
});
