import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import type { NotificationPage, Role, UnreadCount } from '@herald/contracts';
import { NotificationStore, toNotification } from '../notification-store';
import { membersKey as roomsKey, roomsForUser } from '../rooms';

const MAX_ID = '9223372036854775807';

/**
 * Unread notifications of the reader's rooms ($1) with $2 < id <= $3, for user $4, leaving out those recalled up
 * to recall seq $5 (later recalls are subtracted when the count catches up on them): the incremental part of a count.
 */
export const UNREAD_SINCE_SQL = `SELECT count(DISTINCT nr.notification_id)::int AS n FROM notification_rooms nr
  WHERE nr.room = ANY($1::text[]) AND nr.notification_id > $2 AND nr.notification_id <= $3
    AND NOT EXISTS (SELECT 1 FROM notification_reads rd WHERE rd.user_id = $4 AND rd.notification_id = nr.notification_id)
    AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = nr.notification_id AND rc.seq <= $5)`;

/**
 * Of the recalls after seq $2 (up to $3), those the cached count of user $1 counted as unread: visible in the rooms
 * $4, with read_upto ($5) < id <= counted_upto ($6), and not read. A recall then costs each inbox a look at the few
 * recalls since its last count, not a write per recipient at recall time.
 */
const RECALLED_UNREAD_SQL = `SELECT count(*)::int AS n FROM notification_recalls rc
  WHERE rc.seq > $2 AND rc.seq <= $3 AND rc.notification_id > $5 AND rc.notification_id <= $6
    AND EXISTS (SELECT 1 FROM notification_rooms nr WHERE nr.notification_id = rc.notification_id AND nr.room = ANY($4::text[]))
    AND NOT EXISTS (SELECT 1 FROM notification_reads rd WHERE rd.user_id = $1 AND rd.notification_id = rc.notification_id)`;

interface InboxState {
  read_upto: string;
  read_upto_at: Date | null;
  counted_upto: string;
  unread: number;
  rooms_key: string;
  recalls_seen: string;
}

export interface InboxReader {
  userId: string;
  rooms: readonly string[];
}

export interface ListOptions {
  after?: string;
  before?: string;
  limit: number;
  unread?: boolean;
  /** true: only archived ones; otherwise archived ones are left out. */
  archived?: boolean;
}

/**
 * A user's inbox: the notifications addressed to any room they belong to now, with per-user read
 * state. The unread count is kept incrementally (inbox_state: "`unread` of the ids up to
 * `counted_upto`"), so counting only looks at what arrived since the last count — never a whole history.
 * Everything at or below `read_upto` is read ("mark all read"); single reads are rows in notification_reads.
 */
@Injectable()
export class InboxService {
  private readonly changes = new Subject<{ userId: string } & UnreadCount>();
  /** Each change of a user's unread count; the realtime layer pushes it to their sockets. */
  readonly unreadChanges$ = this.changes.asObservable();
  private readonly reads = new Subject<{ userId: string; ids: string[]; from: string; upto: string }>();
  /** What each read marked: single ids, or (read-all) every id in (from, upto]. Receipts follow it. */
  readonly reads$ = this.reads.asObservable();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
  ) {}

  async list(reader: InboxReader, options: ListOptions): Promise<NotificationPage> {
    const state = await this.state(this.db.manager, reader.userId);
    const ascending = options.after !== undefined;
    const bound = options.after ?? options.before ?? MAX_ID;
    const archived = `${options.archived ? '' : 'NOT'} EXISTS (SELECT 1 FROM notification_archives a WHERE a.user_id = $3 AND a.notification_id = nr.notification_id)`;
    const extra = options.unread
      ? `AND ${archived} AND notification_id > $4 AND NOT EXISTS (SELECT 1 FROM notification_reads rd WHERE rd.user_id = $3 AND rd.notification_id = nr.notification_id)`
      : `AND ${archived}`;
    const params = options.unread ? [reader.userId, state.read_upto] : [reader.userId];
    const ids = await this.store.visibleIds(reader.rooms, ascending ? 'ASC' : 'DESC', bound, options.limit + 1, extra, params);
    const pageIds = ids.slice(0, options.limit);
    const rows = await this.store.byIds(pageIds, ascending ? 'ASC' : 'DESC');
    const reads = await this.readTimes(reader.userId, pageIds);
    const items = rows.map((n) => toNotification(n, reader, this.readAt(n.id, state, reads)));
    return { items, nextCursor: ids.length > options.limit ? pageIds[pageIds.length - 1] : null };
  }

  /** The unread count, bringing the cached count up to date with what arrived since. */
  async unreadCount(reader: InboxReader): Promise<UnreadCount> {
    return this.db.transaction((manager) => this.refreshCount(manager, reader));
  }

  /** Brings the count up to date (e.g. after a recall) and announces it to the user's live readers. */
  async refreshAndAnnounce(reader: InboxReader): Promise<UnreadCount> {
    const unread = await this.unreadCount(reader);
    this.changes.next({ userId: reader.userId, ...unread });
    return unread;
  }

  /** Counts again for the user's current roles and announces it to their live readers (after a role change). */
  async recount(userId: string, roles: readonly Role[]): Promise<UnreadCount> {
    const unread = await this.unreadCount({ userId, rooms: roomsForUser(userId, roles) });
    this.changes.next({ userId, ...unread });
    return unread;
  }

  /** Marks the given notifications read (ids the reader cannot see are ignored); answers the new count. */
  async markRead(reader: InboxReader, ids: string[]): Promise<UnreadCount> {
    const unread = await this.db.transaction(async (manager) => {
      const state = await this.lockState(manager, reader);
      const inserted: Array<{ notification_id: string }> = await manager.query(
        `INSERT INTO notification_reads (user_id, notification_id)
         SELECT $1, v.id FROM (SELECT DISTINCT notification_id AS id FROM notification_rooms
                                WHERE notification_id = ANY($2::bigint[]) AND room = ANY($3::text[])) v
          WHERE v.id > $4 AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = v.id)
         ON CONFLICT DO NOTHING RETURNING notification_id`,
        [reader.userId, ids, reader.rooms, state.read_upto],
      );
      const counted = inserted.filter((r) => BigInt(r.notification_id) <= BigInt(state.counted_upto)).length;
      if (counted) await manager.query(`UPDATE inbox_state SET unread = greatest(unread - $2, 0) WHERE user_id = $1`, [reader.userId, counted]);
      const count = await this.refreshCount(manager, reader);
      return { ...count, marked: inserted.map((r) => String(r.notification_id)) };
    });
    const { marked, ...count } = unread;
    if (marked.length) this.reads.next({ userId: reader.userId, ids: marked, from: '0', upto: '0' });
    this.changes.next({ userId: reader.userId, ...count });
    return count;
  }

  async markAllRead(reader: InboxReader): Promise<UnreadCount> {
    let from = '0';
    const upTo = await this.db.transaction(async (manager) => {
      from = (await this.lockState(manager, reader)).read_upto;
      const max = await this.store.maxId(manager);
      await manager.query(
        `UPDATE inbox_state SET read_upto = $2, read_upto_at = now(), counted_upto = $2, unread = 0, rooms_key = $3, updated_at = now(),
                recalls_seen = (SELECT coalesce(max(seq), 0) FROM notification_recalls)
          WHERE user_id = $1`,
        [reader.userId, max, roomsKey(reader.rooms)],
      );
      await manager.query(`DELETE FROM notification_reads WHERE user_id = $1 AND notification_id <= $2`, [reader.userId, max]);
      return max;
    });
    this.changes.next({ userId: reader.userId, count: 0, upTo });
    if (BigInt(upTo) > BigInt(from)) this.reads.next({ userId: reader.userId, ids: [], from, upto: upTo });
    return { count: 0, upTo };
  }

  /** Brings the cached count up to the highest committed id, which the answer names: exact up to `upTo`. */
  private async refreshCount(manager: EntityManager, reader: InboxReader): Promise<UnreadCount> {
    const state = await this.lockState(manager, reader);
    const key = roomsKey(reader.rooms);
    // Rooms changed since the last count (a role change): recount everything after read_upto.
    let from = state.counted_upto;
    let unread = state.unread;
    // The newest recall and the highest committed id, read after the lock in one statement (one snapshot); the
    // count is exact up to that id. Every socket that connects runs this transaction, so a round trip counts.
    const [{ seq, max }]: Array<{ seq: string; max: string }> = await manager.query(
      `SELECT (SELECT coalesce(max(seq), 0) FROM notification_recalls)::text AS seq, (SELECT coalesce(max(id), 0) FROM notifications)::text AS max`,
    );
    if (state.rooms_key !== key) {
      from = state.read_upto;
      unread = 0;
    } else if (BigInt(seq) > BigInt(state.recalls_seen)) {
      // Recalls since the last count: those it had counted as unread come off.
      const [{ n }] = await manager.query(RECALLED_UNREAD_SQL, [reader.userId, state.recalls_seen, seq, reader.rooms, state.read_upto, from]);
      unread = Math.max(unread - n, 0);
    }
    if (BigInt(max) > BigInt(from)) {
      const [{ n }] = await manager.query(UNREAD_SINCE_SQL, [reader.rooms, from, max, reader.userId, seq]);
      unread += n;
    }
    await manager.query(
      `UPDATE inbox_state SET counted_upto = greatest($2::bigint, counted_upto), unread = $3, rooms_key = $4, recalls_seen = $5, updated_at = now() WHERE user_id = $1`,
      [reader.userId, max, unread, key, seq],
    );
    return { count: unread, upTo: max };
  }

  private async lockState(manager: EntityManager, reader: InboxReader): Promise<InboxState> {
    await manager.query(`INSERT INTO inbox_state (user_id, rooms_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      reader.userId,
      roomsKey(reader.rooms),
    ]);
    const [row] = await manager.query(
      `SELECT read_upto::text, read_upto_at, counted_upto::text, unread, rooms_key, recalls_seen::text FROM inbox_state WHERE user_id = $1 FOR UPDATE`,
      [reader.userId],
    );
    return row as InboxState;
  }

  private async state(manager: EntityManager, userId: string): Promise<InboxState> {
    const [row] = await manager.query(
      `SELECT read_upto::text, read_upto_at, counted_upto::text, unread, rooms_key FROM inbox_state WHERE user_id = $1`,
      [userId],
    );
    return (row as InboxState | undefined) ?? { read_upto: '0', read_upto_at: null, counted_upto: '0', unread: 0, rooms_key: '', recalls_seen: '0' };
  }

  private async readTimes(userId: string, ids: string[]): Promise<Map<string, Date>> {
    if (!ids.length) return new Map();
    const rows: Array<{ notification_id: string; read_at: Date }> = await this.db.query(
      `SELECT notification_id::text, read_at FROM notification_reads WHERE user_id = $1 AND notification_id = ANY($2::bigint[])`,
      [userId, ids],
    );
    return new Map(rows.map((r) => [r.notification_id, r.read_at]));
  }

  private readAt(id: string, state: InboxState, reads: Map<string, Date>): string | null {
    const single = reads.get(id);
    if (single) return single.toISOString();
    if (BigInt(id) <= BigInt(state.read_upto)) return (state.read_upto_at ?? new Date(0)).toISOString();
    return null;
  }
}

