import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Notification } from '@herald/contracts';
import { ADVISORY_LOCKS, GenericPlanPool, named } from '@herald/database';
import { NOTIFICATIONS_CHANNEL, Signals } from './signals';

/** Serialises every writer of notifications, so ids become visible in the order they grow (invariant 2). */
const NOTIFICATION_WRITER_LOCK = ADVISORY_LOCKS.notificationWriter;
/** How long a writer may wait for the lock: longer than a stalled holder survives, so waiters outlast it. */
export const WRITER_LOCK_TIMEOUT_MS = 5000;
/** How long one statement of a writer transaction may run. */
export const WRITER_STATEMENT_TIMEOUT_MS = 5000;
/** How long a writer transaction may sit idle holding the lock before PostgreSQL ends its session. */
export const WRITER_IDLE_TIMEOUT_MS = 2000;

/** A notification as stored, with every room it is addressed to. */
export interface StoredNotification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  source: string;
  rooms: string[];
  createdAt: string;
  /** The user whose action caused it (null for a push from another system). */
  actorId: string | null;
  /** Users who got it already read when it was written (its actor; recipients who muted its type). */
  readBy: string[];
  /** 1 when sent; each update in place adds one. */
  version: number;
  updatedAt: string | null;
}

export interface NewNotification {
  type: string;
  title: string;
  body: string;
  data: object;
  source: string;
  rooms: string[];
  outboxId?: string;
  actorId?: string | null;
  /** Inserted already read for these users (ids of users that no longer exist are ignored). */
  readBy?: readonly string[];
  /** The API key that pushed it: only that key may read its receipts, edit or recall it. */
  apiKeyId?: string | null;
}

interface Row {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  source: string;
  rooms: string[];
  created_at: Date;
  actor_id: string | null;
  read_by: string[];
  /** Absent from the tail's query: a notification is tailed once, when it is new (version 1). */
  version?: number;
  updated_at?: Date | null;
}

const toStored = (r: Row): StoredNotification => ({
  id: String(r.id),
  type: r.type,
  title: r.title,
  body: r.body,
  data: r.data,
  source: r.source,
  rooms: r.rooms,
  createdAt: r.created_at.toISOString(),
  actorId: r.actor_id === null ? null : String(r.actor_id),
  readBy: r.read_by.map(String),
  version: r.version ?? 1,
  updatedAt: r.updated_at ? r.updated_at.toISOString() : null,
});

/** Recalled notifications are left out of every inbox page and replay (the recall row is the tombstone). */
const NOT_RECALLED = `AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = nr.notification_id)`;

/** Whom a notification is shown to: the user and the rooms they belong to now. */
export interface NotificationReader {
  readonly userId: string;
  readonly rooms: readonly string[];
}

/** The room a reader sees a notification in: the first of the reader's rooms it is addressed to. */
export function roomAsSeenBy(n: StoredNotification, reader: NotificationReader): string {
  if (n.rooms.length === 1) return n.rooms[0]; // what the search below gives, without it (once per reader of a broadcast)
  return reader.rooms.find((r) => n.rooms.includes(r)) ?? n.rooms[0];
}

/**
 * The shape a reader gets: `room` is the first of its rooms that the reader belongs to; `readAt` is the
 * given read time, or the creation time for a reader who got it already read (its actor, a muted type).
 */
export function toNotification(n: StoredNotification, reader: NotificationReader, readAt: string | null = null): Notification {
  const room = roomAsSeenBy(n, reader);
  const read = readAt ?? (n.readBy.includes(reader.userId) ? n.createdAt : null);
  return {
    id: n.id, type: n.type, title: n.title, body: n.body, data: n.data, room, source: n.source, createdAt: n.createdAt, readAt: read,
    version: n.version, ...(n.updatedAt ? { updatedAt: n.updatedAt } : {}),
  };
}

/**
 * One branch per room, each an index range scan on notification_rooms (room, notification_id) that
 * stops after `limit` rows: the cost follows the page size, not the length of anyone's history.
 */
export function visibleIdsSql(roomCount: number, firstParam: number, direction: 'ASC' | 'DESC', bound: string, limitParam: string, extra = ''): string {
  const op = direction === 'ASC' ? '>' : '<';
  const branches = Array.from({ length: roomCount }, (_, i) =>
    `(SELECT notification_id, room FROM notification_rooms nr
       WHERE room = $${firstParam + i} AND notification_id ${op} ${bound} ${NOT_RECALLED} ${extra}
       ORDER BY notification_id ${direction} LIMIT ${limitParam})`,
  );
  return `SELECT notification_id FROM (${branches.join(' UNION ALL ')}) v
          GROUP BY notification_id ORDER BY notification_id ${direction} LIMIT ${limitParam}`;
}

@Injectable()
export class NotificationStore implements OnApplicationShutdown {
  /** writeAlone's own connection, planning its statement once (undefined: not made yet; null: embedded, none). */
  private writerPool?: GenericPlanPool | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly signals: Signals,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.writerPool?.end();
  }

  /**
   * Takes the writer lock for the rest of `manager`'s transaction. Every insert of notifications
   * happens under it, so a transaction that got id N has committed before one can get N+1.
   *
   * Returns which of `apiKeyIds` are revoked, read in the same round trip: a revocation committed before
   * this statement began refuses the push that would be written now, whatever an instance's key cache says.
   */
  async lockWriter(manager: EntityManager, apiKeyIds: string[] = []): Promise<Set<string>> {
    // Bounds the lock's holders and waiters: a holder that stalls (frozen process, idle in the transaction) has its
    // session ended by PostgreSQL, and a waiter gives up (outbox backoff, or 503 for a push) instead of queueing forever.
    // One round trip: the settings are made in the subquery, which PostgreSQL evaluates before the outer row asks for
    // the lock, so lock_timeout bounds this very wait (test/writer-lock.e2e-spec.ts holds the lock to prove it).
    const [{ revoked }]: Array<{ revoked: string[] | null }> = await manager.query(
      named(manager, `SELECT pg_advisory_xact_lock($4), s.revoked FROM (
         SELECT set_config('lock_timeout', $1, true) AS lt, set_config('statement_timeout', $2, true) AS st,
                set_config('idle_in_transaction_session_timeout', $3, true) AS it,
                ${apiKeyIds.length ? `(SELECT array_agg(id::text) FROM api_keys WHERE id = ANY($5::bigint[]) AND revoked_at IS NOT NULL)` : 'NULL::text[]'} AS revoked
         OFFSET 0) s`),
      [`${WRITER_LOCK_TIMEOUT_MS}ms`, `${WRITER_STATEMENT_TIMEOUT_MS}ms`, `${WRITER_IDLE_TIMEOUT_MS}ms`, NOTIFICATION_WRITER_LOCK, ...(apiKeyIds.length ? [apiKeyIds] : [])],
    );
    return new Set(revoked ?? []);
  }

  /**
   * Inserts notifications, their room rows and their already-read rows (and, with `notify`, the commit's pg_notify) in
   * ONE statement; call after lockWriter() in the same transaction. Used by the push writer's batches and the dispatcher.
   * Ids are taken in the items' order (nextval per row of generate_series, under the writer lock, so they grow
   * with the order and become visible in it), as one array indexed by item: no join; answers them in that order.
   */
  async insertMany(manager: EntityManager, rows: NewNotification[], options: { notify: boolean }): Promise<string[]> {
    const { text, params } = this.insertStatement(rows, options.notify);
    const [{ ids }]: Array<{ ids: string[] }> = await manager.query(named(manager, text), params);
    // The ids must grow with the items' order (they do: one nextval per row, in order); refuse to commit otherwise.
    for (let k = 1; k < ids.length; k++) {
      if (BigInt(ids[k]) <= BigInt(ids[k - 1])) throw new Error('notification ids were not taken in order; the write is rolled back');
    }
    return ids.map(String);
  }

  /**
   * The whole write of a batch as ONE statement, outside any transaction: PostgreSQL runs it as its own transaction,
   * so lock, ids, rows, pg_notify and commit cost one round trip instead of four (BEGIN, lockWriter, insertMany,
   * COMMIT), and the writer lock is held only while the statement runs, never across a round trip to this process.
   *
   * The lock comes first: the `lk` CTE takes it (after setting lock_timeout, as lockWriter does), and the ids are taken
   * by a scan whose filter reads `lk` through an uncorrelated subquery, which PostgreSQL evaluates once, before the filter
   * passes the first row, and a row's nextval() runs only after its filter passed. The revocation check reads the keys
   * in the statement's snapshot, as lockWriter does in its own: when one of `apiKeyIds` is revoked, nothing is written
   * (`ids` is null) and the caller refuses that key's items and writes the rest the long way.
   *
   * Each id comes from nextval() in generate_series order, gathered with ORDER BY g: they grow with the items' order by
   * construction (insertMany also checks it, but a check after this statement could not undo its commit).
   *
   * It runs on its own connection with generic plans (GenericPlanPool): its plan does not depend on the values.
   */
  async writeAlone(rows: NewNotification[], apiKeyIds: string[], options: { notify: boolean }): Promise<{ ids: string[] | null; revoked: Set<string> }> {
    const { text, params } = this.insertStatement(rows, options.notify, apiKeyIds);
    if (this.writerPool === undefined) this.writerPool = GenericPlanPool.forDataSource(this.db, 'writer') ?? null;
    type Answer = { ids: string[] | null; revoked: string[] | null };
    const [{ ids, revoked }]: Answer[] = this.writerPool ? await this.writerPool.query<Answer>(text, params) : await this.db.query(text, params);
    return { ids: ids ? ids.map(String) : null, revoked: new Set(revoked ?? []) };
  }

  /** insertMany's statement; with `lockFor` (the keys to check), also the lock and the revocation check of writeAlone. */
  private insertStatement(rows: NewNotification[], notify: boolean, lockFor?: string[]): { text: string; params: unknown[] } {
    const roomOrds: number[] = [];
    const roomNames: string[] = [];
    rows.forEach((n, k) => {
      for (const room of new Set(n.rooms)) {
        roomOrds.push(k + 1);
        roomNames.push(room);
      }
    });
    const anyReadBy = rows.some((n) => n.readBy?.length);
    const params: unknown[] = [
      rows.map((n) => n.type),
      rows.map((n) => n.title),
      rows.map((n) => n.body),
      rows.map((n) => JSON.stringify(n.data)),
      rows.map((n) => n.source),
      rows.map((n) => n.outboxId ?? null),
      rows.map((n) => n.actorId ?? null),
      rows.map((n) => [...new Set(n.readBy ?? [])].join(',')),
      rows.map((n) => n.apiKeyId ?? null),
      roomNames,
      roomOrds,
      rows.length,
    ];
    const param = (value: unknown) => `$${params.push(value)}`;
    const notifyCall = notify ? `, pg_notify('${NOTIFICATIONS_CHANNEL}', ${param(this.signals.origin)})` : '';
    let lock = '';
    let gate = '';
    let revoked = '';
    if (lockFor) {
      const keys = lockFor.length
        ? `(SELECT array_agg(id::text) FROM api_keys WHERE id = ANY(${param(lockFor)}::bigint[]) AND revoked_at IS NOT NULL)`
        : 'NULL::text[]';
      lock = `lk AS MATERIALIZED (
         SELECT pg_advisory_xact_lock(${param(NOTIFICATION_WRITER_LOCK)}) AS locked, s.revoked FROM (
           SELECT set_config('lock_timeout', ${param(`${WRITER_LOCK_TIMEOUT_MS}ms`)}, true) AS lt, ${keys} AS revoked OFFSET 0) s
       ), `;
      gate = 'WHERE (SELECT lk.revoked IS NULL FROM lk)';
      revoked = ', (SELECT revoked FROM lk) AS revoked';
    }
    const text = `WITH ${lock}a AS MATERIALIZED (
         SELECT array_agg(nextval('notifications_id_seq') ORDER BY g) AS ids FROM generate_series(1, $12::int) g ${gate}
       ), src AS (
         SELECT a.ids[s.ord] AS id, s.* FROM a,
           unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[])
             WITH ORDINALITY AS s(type, title, body, data, source, outbox_id, actor_id, read_by, api_key_id, ord)
           WHERE a.ids IS NOT NULL
       ), n AS (
         INSERT INTO notifications (id, type, title, body, data, source, outbox_id, actor_id, read_by, api_key_id)
         SELECT id, type, title, body, data, source, outbox_id, actor_id,
                CASE WHEN read_by = '' THEN '{}'::bigint[]
                     ELSE ARRAY(SELECT u.id FROM users u WHERE u.id = ANY(string_to_array(read_by, ',')::bigint[]) ORDER BY u.id) END,
                api_key_id
           FROM src
         RETURNING id, created_at, read_by
       ), r AS (
         INSERT INTO notification_rooms (room, notification_id)
         SELECT rr.room, a.ids[rr.ord] FROM a, unnest($10::text[], $11::int[]) AS rr(room, ord) WHERE a.ids IS NOT NULL
       )${anyReadBy ? `, x AS (
         INSERT INTO notification_reads (user_id, notification_id, read_at)
         SELECT u, n.id, n.created_at FROM n, unnest(n.read_by) u
       )` : ''}
       SELECT (SELECT ids::text[] FROM a) AS ids, (SELECT count(*) FROM n) AS written${revoked}${notifyCall}`;
    return { text, params };
  }

  /** The highest id committed so far (0 when there is none), as seen by `manager`'s transaction if given. */
  async maxId(manager: EntityManager = this.db.manager): Promise<string> {
    const [{ max }] = await manager.query(`SELECT coalesce(max(id), 0)::text AS max FROM notifications`);
    return max;
  }

  /**
   * Every notification after `cursor`, in id order, whoever it is for: what the live feed tails. The rooms
   * come from one range scan of notification_rooms over the page's ids, grouped once, instead of a
   * subquery per notification (one snapshot: a page and its rooms are from the same commits).
   */
  async after(cursor: string, limit: number): Promise<StoredNotification[]> {
    const rows: Row[] = await this.db.query(
      named(this.db, `WITH n AS (
         SELECT id, type, title, body, data, source, created_at, actor_id, read_by
           FROM notifications WHERE id > $1 ORDER BY id LIMIT $2
       ), r AS (
         SELECT notification_id, array_agg(room ORDER BY room) AS rooms FROM notification_rooms
          WHERE notification_id > $1 AND notification_id <= (SELECT max(id) FROM n)
          GROUP BY notification_id
       )
       SELECT n.*, coalesce(r.rooms, '{}') AS rooms FROM n LEFT JOIN r ON r.notification_id = n.id ORDER BY n.id`),
      [cursor, limit],
    );
    return rows.map(toStored);
  }

  /** The notifications after `cursor` addressed to any of `rooms`, oldest first: a replay page. */
  async visibleAfter(rooms: readonly string[], cursor: string, limit: number): Promise<StoredNotification[]> {
    return this.byIds(await this.visibleIds(rooms, 'ASC', cursor, limit), 'ASC');
  }

  async visibleIds(rooms: readonly string[], direction: 'ASC' | 'DESC', bound: string, limit: number, extra = '', extraParams: unknown[] = []): Promise<string[]> {
    if (!rooms.length) return [];
    const sql = visibleIdsSql(rooms.length, 3 + extraParams.length, direction, '$1', '$2', extra);
    const rows: Array<{ notification_id: string }> = await this.db.query(named(this.db, sql), [bound, limit, ...extraParams, ...rooms]);
    return rows.map((r) => String(r.notification_id));
  }

  async byIds(ids: readonly string[], direction: 'ASC' | 'DESC'): Promise<StoredNotification[]> {
    if (!ids.length) return [];
    const rows: Row[] = await this.db.query(
      named(this.db, `SELECT n.id, n.type, n.title, n.body, n.data, n.source, n.created_at, n.actor_id, n.read_by, n.version, n.updated_at,
              (SELECT array_agg(room ORDER BY room) FROM notification_rooms r WHERE r.notification_id = n.id) AS rooms
         FROM notifications n WHERE n.id = ANY($1::bigint[]) ORDER BY n.id ${direction}`),
      [ids],
    );
    return rows.map(toStored);
  }
}
