import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MAX_UNSEEN_COUNT } from '@herald/contracts';
import type { InboxReader } from '../inbox/inbox.service';
import { NotificationStore } from '../notification-store';
import { membersKey } from '../rooms';
import { NotificationChanges } from './notification-changes';

/** Of `ids` ($1), the ones the reader's rooms ($2) may see and that are not recalled. */
const VISIBLE_IDS = `SELECT DISTINCT nr.notification_id AS id FROM notification_rooms nr
  WHERE nr.notification_id = ANY($1::bigint[]) AND nr.room = ANY($2::text[])
    AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = nr.notification_id)`;

/**
 * Seen and archived, two states beside read. Seen (the badge of new things, like Knock's) is per id
 * (notification_seen) or everything up to an id (inbox_state.seen_upto, "seen-all"); reading implies seen.
 * Archived moves a notification out of the default listing into `?archived=true`; it stays read or unread.
 * Both are told to the user's other devices through NotificationChanges.
 */
@Injectable()
export class InboxStates {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
    private readonly changes: NotificationChanges,
  ) {}

  /** Unread notifications not seen yet, counted up to MAX_UNSEEN_COUNT. */
  async unseen(reader: InboxReader, manager: EntityManager = this.db.manager): Promise<number> {
    const [state]: Array<{ floor: string }> = await manager.query(
      `SELECT greatest(seen_upto, read_upto)::text AS floor FROM inbox_state WHERE user_id = $1`,
      [reader.userId],
    );
    const [{ n }] = await manager.query(
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT nr.notification_id FROM notification_rooms nr
          WHERE nr.room = ANY($1::text[]) AND nr.notification_id > $2
            AND NOT EXISTS (SELECT 1 FROM notification_reads rd WHERE rd.user_id = $3 AND rd.notification_id = nr.notification_id)
            AND NOT EXISTS (SELECT 1 FROM notification_seen s WHERE s.user_id = $3 AND s.notification_id = nr.notification_id)
            AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = nr.notification_id)
          LIMIT $4) x`,
      [reader.rooms, state?.floor ?? '0', reader.userId, MAX_UNSEEN_COUNT],
    );
    return n;
  }

  async markSeen(reader: InboxReader, ids: string[]): Promise<{ unseen: number }> {
    await this.db.transaction(async (manager) => {
      const rows: Array<{ notification_id: string }> = await manager.query(
        `INSERT INTO notification_seen (user_id, notification_id)
         SELECT $3, v.id FROM (${VISIBLE_IDS}) v
          WHERE v.id > coalesce((SELECT seen_upto FROM inbox_state WHERE user_id = $3), 0)
         ON CONFLICT DO NOTHING RETURNING notification_id::text`,
        [ids, reader.rooms, reader.userId],
      );
      const changed = rows.map((r) => String(r.notification_id));
      if (changed.length) await this.changes.record(manager, { kind: 'seen', userId: reader.userId, ids: changed, upTo: null });
    });
    return { unseen: await this.unseen(reader) };
  }

  async markAllSeen(reader: InboxReader): Promise<{ unseen: number; upTo: string }> {
    const upTo = await this.db.transaction(async (manager) => {
      const max = await this.store.maxId(manager);
      await manager.query(`INSERT INTO inbox_state (user_id, rooms_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [reader.userId, membersKey(reader.rooms)]);
      await manager.query(`UPDATE inbox_state SET seen_upto = greatest(seen_upto, $2::bigint), updated_at = now() WHERE user_id = $1`, [reader.userId, max]);
      await manager.query(`DELETE FROM notification_seen WHERE user_id = $1 AND notification_id <= $2`, [reader.userId, max]);
      await this.changes.record(manager, { kind: 'seen', userId: reader.userId, ids: [], upTo: max });
      return max;
    });
    return { unseen: await this.unseen(reader), upTo };
  }

  /** Archives (or unarchives) the ones of `ids` the reader may see; answers the ids that changed. */
  async setArchived(reader: InboxReader, ids: string[], archived: boolean): Promise<{ ids: string[] }> {
    return this.db.transaction(async (manager) => {
      const rows: Array<{ notification_id: string }> = archived
        ? await manager.query(
            `INSERT INTO notification_archives (user_id, notification_id) SELECT $3, v.id FROM (${VISIBLE_IDS}) v
             ON CONFLICT DO NOTHING RETURNING notification_id::text`,
            [ids, reader.rooms, reader.userId],
          )
        : await manager.query(
            `WITH gone AS (DELETE FROM notification_archives WHERE user_id = $2 AND notification_id = ANY($1::bigint[]) RETURNING notification_id)
             SELECT notification_id::text FROM gone`,
            [ids, reader.userId],
          );
      const changed = rows.map((r) => String(r.notification_id));
      if (changed.length) await this.changes.record(manager, { kind: 'archived', userId: reader.userId, ids: changed, archived });
      return { ids: changed };
    });
  }
}
