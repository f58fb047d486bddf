import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import type { NotificationPage, Role, UnreadCount } from '@herald/contracts';
import { NotificationStore, toNotification } from '../notification-store';
import { membersKey as roomsKey, roomsForUser } from '../rooms';

const MAX_ID = '9223372036854775807';

/** Unread notifications of the reader's rooms ($1) with $2 < id <= $3, for user $4: the incremental part of a count. */
export const UNREAD_SINCE_SQL = `SELECT count(DISTINCT nr.notification_id)::int AS n FROM notification_rooms nr
  WHERE nr.room = ANY($1::text[]) AND nr.notification_id > $2 AND nr.notification_id <= $3
    AND NOT EXISTS (SELECT 1 FROM notification_reads rd WHERE rd.user_id = $4 AND rd.notification_id = nr.notification_id)`;

interface InboxState {
  read_upto: string;
  read_upto_at: Date | null;
  counted_upto: string;
  unread: number;
  rooms_key: string;
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

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
  ) {}

  async list(reader: InboxReader, options: ListOptions): Promise<NotificationPage> {
    const state = await this.state(this.db.manager, reader.userId);
    const ascending = options.after !== undefined;
    const bound = options.after ?? options.before ?? MAX_ID;
    const extra = options.unread
      ? `AND notification_id > $3 AND NOT EXISTS (SELECT 1 FROM notification_reads rd WHERE rd.user_id = $4 AND rd.notification_id = nr.notification_id)`
      : '';
    const params = options.unread ? [state.read_upto, reader.userId] : [];
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
          WHERE v.id > $4
         ON CONFLICT DO NOTHING RETURNING notification_id`,
        [reader.userId, ids, reader.rooms, state.read_upto],
      );
      const counted = inserted.filter((r) => BigInt(r.notification_id) <= BigInt(state.counted_upto)).length;
      if (counted) await manager.query(`UPDATE inbox_state SET unread = greatest(unread - $2, 0) WHERE user_id = $1`, [reader.userId, counted]);
      return this.refreshCount(manager, reader);
    });
    this.changes.next({ userId: reader.userId, ...unread });
    return unread;
  }

  async markAllRead(reader: InboxReader): Promise<UnreadCount> {
    const upTo = await this.db.transaction(async (manager) => {
      await this.lockState(manager, reader);
      const max = await this.store.maxId(manager);
      await manager.query(
        `UPDATE inbox_state SET read_upto = $2, read_upto_at = now(), counted_upto = $2, unread = 0, rooms_key = $3, updated_at = now()
          WHERE user_id = $1`,
        [reader.userId, max, roomsKey(reader.rooms)],
      );
      await manager.query(`DELETE FROM notification_reads WHERE user_id = $1 AND notification_id <= $2`, [reader.userId, max]);
      return max;
    });
    this.changes.next({ userId: reader.userId, count: 0, upTo });
    return { count: 0, upTo };
  }

  /** Brings the cached count up to the highest committed id, which the answer names: exact up to `upTo`. */
  private async refreshCount(manager: EntityManager, reader: InboxReader): Promise<UnreadCount> {
    const state = await this.lockState(manager, reader);
    const key = roomsKey(reader.rooms);
    // Rooms changed since the last count (a role change): recount everything after read_upto.
    let from = state.counted_upto;
    let unread = state.unread;
    if (state.rooms_key !== key) {
      from = state.read_upto;
      unread = 0;
    }
    const max = await this.store.maxId(manager);
    if (BigInt(max) > BigInt(from)) {
      const [{ n }] = await manager.query(UNREAD_SINCE_SQL, [reader.rooms, from, max, reader.userId]);
      unread += n;
    }
    await manager.query(
      `UPDATE inbox_state SET counted_upto = greatest($2::bigint, counted_upto), unread = $3, rooms_key = $4, updated_at = now() WHERE user_id = $1`,
      [reader.userId, max, unread, key],
    );
    return { count: unread, upTo: max };
  }

  private async lockState(manager: EntityManager, reader: InboxReader): Promise<InboxState> {
    await manager.query(`INSERT INTO inbox_state (user_id, rooms_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      reader.userId,
      roomsKey(reader.rooms),
    ]);
    const [row] = await manager.query(
      `SELECT read_upto::text, read_upto_at, counted_upto::text, unread, rooms_key FROM inbox_state WHERE user_id = $1 FOR UPDATE`,
      [reader.userId],
    );
    return row as InboxState;
  }

  private async state(manager: EntityManager, userId: string): Promise<InboxState> {
    const [row] = await manager.query(
      `SELECT read_upto::text, read_upto_at, counted_upto::text, unread, rooms_key FROM inbox_state WHERE user_id = $1`,
      [userId],
    );
    return (row as InboxState | undefined) ?? { read_upto: '0', read_upto_at: null, counted_upto: '0', unread: 0, rooms_key: '' };
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

