import { Client, Pool } from 'pg';
import type { Notification } from '@herald/contracts';
import { loginAll, startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep } from './support/sockets';

/**
 * The group-commit writer: concurrent pushes share transactions, each caller is answered only once its
 * row is committed, ids grow in commit order (a transaction's ids are one consecutive run, and no two
 * runs interleave), and neither a SQL tail nor a socket reader in several rooms replaying by cursor
 * ever skips one.
 */
describe('group commit of concurrent pushes', () => {
  let server: TestServer;
  let sql: Pool;
  let tailSql: Client;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '100000' } });
    await loginAll(server, { tokens, ids });
    sql = new Pool({ connectionString: server.db.url, max: 4 });
    tailSql = new Client({ connectionString: server.db.url });
    await tailSql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await tailSql?.end();
    await server?.stop();
  });

  it('answers 200 concurrent callers after their commit, in shared transactions, without a gap for any reader', async () => {
    if (server.db.embedded) {
      if (process.env.CI) throw new Error('PostgreSQL is required in CI');
      // pglite-socket serves one client at a time, and this test reads beside the server on two more connections.
      return void process.stderr.write('[herald tests] group-commit: needs PostgreSQL (readers on their own connections beside the server)\n');
    }
    const { push } = await pushClient(server, 'group-commit');
    // bob (warehouse) is in orders, role:warehouse, all and user:<bob>; alice's own pushes are not his.
    const audiences = [{ rooms: ['orders'] }, { rooms: ['role:warehouse'] }, { userIds: [ids.bob] }, { userIds: [ids.alice] }, { rooms: ['orders', 'role:warehouse'] }];
    const forBob = (i: number) => i % audiences.length !== 3;

    // A SQL tail, like the live feed's: `id > last`, over and over, while the pushes commit.
    let tailing = true;
    const tailed: string[] = [];
    const tail = (async () => {
      let last = '0';
      while (tailing) {
        const { rows } = await tailSql.query<{ nid: string }>(`SELECT id::text AS nid FROM notifications WHERE id > $1 AND type = 'gc.test' ORDER BY id`, [last]);
        for (const r of rows) tailed.push(r.nid);
        if (rows.length) last = rows[rows.length - 1].nid;
        await sleep(2);
      }
    })();

    // A reader in several rooms that keeps reconnecting with its cursor.
    let reading = true;
    const received: Notification[] = [];
    const reader = (async () => {
      let lastSeenId: string | undefined = (await sql.query<{ max: string }>(`SELECT coalesce(max(id), 0)::text AS max FROM notifications`)).rows[0].max;
      while (reading) {
        const socket = await connectSocket(server.url, { token: tokens.bob, lastSeenId });
        await sleep(30 + Math.random() * 50);
        socket.close();
        for (const n of socket.received) if (n.type === 'gc.test') received.push(n);
        if (socket.received.length) lastSeenId = socket.received[socket.received.length - 1].id;
      }
    })();

    const visibleAtAnswer: boolean[] = [];
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await sleep(Math.random() * 200);
        const res = await push({ to: audiences[i % audiences.length], type: 'gc.test', title: `p${i}` });
        // Answered only after the commit: another connection sees the row at once.
        if (res.status === 202) {
          const { rows } = await sql.query(`SELECT 1 FROM notifications WHERE id = $1`, [res.body.ids[0]]);
          visibleAtAnswer[i] = rows.length === 1;
        }
        return res;
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(202));
    expect(visibleAtAnswer.filter(Boolean)).toHaveLength(200);
    const created = answers.map((a) => a.body.ids[0] as string);
    expect(new Set(created).size).toBe(200);

    // Shared transactions, each one consecutive run of ids, the runs in commit order without interleaving.
    // The inserting transaction of each: xmin of its room rows (never updated, unlike a notification's own row).
    const { rows } = await sql.query<{ id: string; tx: string }>(
      `SELECT n.id::text, min(r.xmin::text) AS tx FROM notifications n JOIN notification_rooms r ON r.notification_id = n.id
        WHERE n.type = 'gc.test' GROUP BY n.id ORDER BY n.id`,
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...created].sort());
    const runs: Array<{ tx: string; ids: bigint[] }> = [];
    for (const r of rows) {
      if (runs.length && runs[runs.length - 1].tx === r.tx) runs[runs.length - 1].ids.push(BigInt(r.id));
      else runs.push({ tx: r.tx, ids: [BigInt(r.id)] });
    }
    expect(new Set(runs.map((r) => r.tx)).size).toBe(runs.length); // no transaction's rows are split by another's
    expect(runs.length).toBeLessThan(200); // grouped: fewer transactions than pushes
    for (const run of runs) expect(run.ids[run.ids.length - 1] - run.ids[0]).toBe(BigInt(run.ids.length - 1));

    await sleep(300);
    tailing = false;
    reading = false;
    await tail;
    await reader;
    // The SQL tail never skipped one: it saw each id once, in order.
    expect(tailed).toEqual(rows.map((r) => r.id));
    // One last reconnect from where the reader was collects what came after its last session.
    const lastId = received.length ? received[received.length - 1].id : undefined;
    const final = await connectSocket(server.url, { token: tokens.bob, ...(lastId ? { lastSeenId: lastId } : { lastSeenId: '0' }) });
    const expected = created.filter((_, i) => forBob(i)).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    await final.waitFor(() => received.length + final.received.filter((n) => n.type === 'gc.test').length >= expected.length, 10_000).catch(() => undefined);
    final.close();
    for (const n of final.received) if (n.type === 'gc.test') received.push(n);
    expect(received.map((n) => n.id)).toEqual(expected);
  });
});
