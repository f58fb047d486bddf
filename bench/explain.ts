/**
 * After the load: the storage side of the performance story. A broadcast to a big room writes one
 * notification row (invariant 3), and the replay and unread-count queries — the server's own SQL,
 * not copies — are index range scans (EXPLAIN ANALYZE on a table of realistic size).
 */
import type { Client } from 'pg';
import { REPLAY_PAGE } from '../libs/notifications/src/notification-feed.service';
import { visibleIdsSql } from '../libs/notifications/src/notification-store';
import { UNREAD_SINCE_SQL } from '../libs/notifications/src/inbox/inbox.service';
import { recipientsQuery, roomsForUser } from '../libs/notifications/src/rooms';
import { insertSalesUsers } from './database';
import { postJson } from './scenario';

/** The advisory lock every notification writer holds (NotificationStore), so ids stay in commit order. */
const NOTIFICATION_WRITER_LOCK = 4_242_002;

const fmt = (n: number) => n.toLocaleString('en-US');

async function counts(client: Client): Promise<{ notifications: number; rooms: number }> {
  const { rows } = await client.query<{ notifications: number; rooms: number }>(
    `SELECT (SELECT count(*) FROM notifications)::int AS notifications, (SELECT count(*) FROM notification_rooms)::int AS rooms`,
  );
  return rows[0];
}

/**
 * Grows the `orders` room to `roomUsers` users, broadcasts one push to it, and shows the row counts
 * before and after. Returns false when the broadcast wrote anything but one row per table.
 */
export async function showOneRowPerBroadcast(client: Client, heraldUrl: string, apiKey: string, roomUsers: number): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE roles && ARRAY['sales','warehouse','finance','admin']`);
  if (rows[0].n < roomUsers) await insertSalesUsers(client, 'benchroom', roomUsers - rows[0].n);
  const before = await counts(client);
  let answer: { recipients?: number; online?: number } = {};
  const status = await postJson(
    `${heraldUrl}/api/push`,
    { to: { rooms: ['orders'] }, type: 'bench.broadcast', title: 'One row for the whole room', data: {} },
    { 'x-api-key': apiKey },
    (body) => (answer = JSON.parse(body) as typeof answer),
  );
  const after = await counts(client);
  const ok = status === 202 && after.notifications - before.notifications === 1 && after.rooms - before.rooms === 1;
  console.log(
    `Broadcast to the orders room (push answered ${status}, recipients=${fmt(answer.recipients ?? 0)}): ` +
      `notifications ${fmt(before.notifications)} -> ${fmt(after.notifications)} (+${after.notifications - before.notifications}), ` +
      `notification_rooms ${fmt(before.rooms)} -> ${fmt(after.rooms)} (+${after.rooms - before.rooms}) => ${ok ? 'ONE row, as invariant 3 wants' : 'NOT one row: invariant 3 is broken'}`,
  );
  return ok;
}

/**
 * Adds `count` notifications with SQL (5% to `orders`, the rest to single users, half of those
 * read), so the plans
 * below are those of a table with a history, not of a few thousand rows a planner would just scan.
 */
export async function synthesizeHistory(client: Client, count: number): Promise<void> {
  if (count <= 0) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [NOTIFICATION_WRITER_LOCK]);
    await client.query(
      `WITH ins AS (
         INSERT INTO notifications (id, type, title, body, data, source)
         SELECT nextval('notifications_id_seq'), 'bench.history', 'History ' || g, '', '{}'::jsonb, 'bench'
           FROM generate_series(1, $1::int) g
         RETURNING id),
       people AS (SELECT array_agg(id) AS ids FROM users)
       INSERT INTO notification_rooms (room, notification_id)
       SELECT CASE WHEN ins.id % 20 = 0 THEN 'orders' ELSE 'user:' || people.ids[1 + (ins.id * 7919) % array_length(people.ids, 1)] END, ins.id
         FROM ins, people`,
      [count],
    );
    // Users have read every other one of their own notifications: the unread count's anti-join has rows to skip.
    await client.query(
      `INSERT INTO notification_reads (user_id, notification_id)
       SELECT substring(room FROM 6)::bigint, notification_id FROM notification_rooms
        WHERE room LIKE 'user:%' AND notification_id % 2 = 0
       ON CONFLICT DO NOTHING`,
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
  await client.query('ANALYZE notifications, notification_rooms, notification_reads, inbox_state, users');
}

/** The unread-count query of InboxService.refreshCount, read from its source so what is shown is what runs. */

const NOTIFICATION_SEQ_SCAN = /Seq Scan on (notifications|notification_rooms|notification_reads)\b/;

async function explain(client: Client, title: string, sql: string, params: unknown[], seqScan = NOTIFICATION_SEQ_SCAN): Promise<string[]> {
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  const plan = rows.map((r) => r['QUERY PLAN']);
  console.log(`\n${title}\n${plan.map((l) => `  ${l}`).join('\n')}`);
  const scans = plan.filter((l) => seqScan.test(l));
  console.log(scans.length ? `  => WARNING: sequential scan(s): ${scans.map((s) => s.trim()).join('; ')}` : '  => no sequential scan of a table that grows');
  return plan;
}

/** EXPLAIN (ANALYZE, BUFFERS) of a replay page and of an unread count for one `sales` user. */
export async function explainQueries(client: Client, userId: string, backlog: number): Promise<void> {
  const rooms = roomsForUser(userId, ['sales']);
  const { rows } = await client.query<{ max: string; n: number; rooms: number }>(
    `SELECT coalesce(max(id), 0)::text AS max, count(*)::int AS n, (SELECT count(*) FROM notification_rooms)::int AS rooms FROM notifications`,
  );
  const { max, n } = rows[0];
  const from = String(Math.max(0, Number(max) - backlog));
  console.log(`\nQuery plans on ${fmt(n)} notifications (${fmt(rows[0].rooms)} room rows), for user ${userId} in rooms ${rooms.join(', ')}, who last saw id ${from} (${fmt(backlog)} ids ago):`);
  await explain(
    client,
    `Replay page (NotificationStore.visibleAfter -> visibleIdsSql, LIMIT ${REPLAY_PAGE}):`,
    visibleIdsSql(rooms.length, 3, 'ASC', '$1', '$2'),
    [from, REPLAY_PAGE, ...rooms],
  );
  await explain(client, 'Unread count since the last count (InboxService.refreshCount):', UNREAD_SINCE_SQL, [rooms, from, max, userId, Number.MAX_SAFE_INTEGER]);
  const { rows: people } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM users`);
  // PushService counts the recipients of every push like this (recipientsQuery): by primary key and roles index.
  const oneUser = recipientsQuery([`user:${userId}`]);
  await explain(client, `Recipients of a push to one user (PushService, recipientsQuery), with ${fmt(people[0].n)} users:`, oneUser.sql, oneUser.params, /Seq Scan on users\b/);
  const oneRole = recipientsQuery(['role:warehouse']);
  await explain(client, `Recipients of a push to role:warehouse, with ${fmt(people[0].n)} users:`, oneRole.sql, oneRole.params, /Seq Scan on users\b/);
}
