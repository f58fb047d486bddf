import { BadRequestException, ConflictException, ForbiddenException, Injectable, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Notification, NotificationPatch, NotificationReceipts, RecallResult } from '@herald/contracts';
import { NotificationStore, toNotification } from '../notification-store';
import { MAX_PUSH_DATA_BYTES } from '../push/push.dto';
import { NotificationChanges } from './notification-changes';
import { Receipts, ReceiptState } from './receipts.service';

/** Who asks to follow up on a notification: a signed-in user (admin or its actor) or the API key that pushed it. */
export type FollowUpCaller = { kind: 'user'; id: string; admin: boolean } | { kind: 'key'; id: string };

interface Owned {
  id: string;
  rooms: string[];
  actorId: string | null;
}

const auditName = (caller: FollowUpCaller) => (caller.kind === 'user' ? `user:${caller.id}` : `api_key:${caller.id}`);

/**
 * What the sender of a notification can do after sending it: read its receipts, recall it (no time window),
 * and change it in place (earlier versions kept in notification_versions). A user may do so as an admin or as the
 * notification's actor (else 403); an API key only for what it pushed (another key's notification is a 404, so a
 * key cannot probe what exists).
 */
@Injectable()
export class FollowUp {
  private readonly log = new Logger(FollowUp.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
    private readonly receipts: Receipts,
    private readonly changes: NotificationChanges,
  ) {}

  async receiptsOf(caller: FollowUpCaller, id: string, state: ReceiptState, limit: number, cursor?: string): Promise<NotificationReceipts> {
    const target = await this.owned(this.db.manager, caller, id);
    return this.receipts.page(target, state, limit, cursor);
  }

  /** Recalls once; asked again, answers the first recall's time. The recall row (who, when) is the audit record. */
  async recall(caller: FollowUpCaller, id: string): Promise<RecallResult> {
    return this.db.transaction(async (manager) => {
      await this.owned(manager, caller, id, true);
      const [existing]: Array<{ recalled_at: Date }> = await manager.query(`SELECT recalled_at FROM notification_recalls WHERE notification_id = $1`, [id]);
      if (existing) return { id, recalledAt: existing.recalled_at.toISOString() };
      const [row]: Array<{ recalled_at: Date }> = await manager.query(
        `INSERT INTO notification_recalls (notification_id, recalled_by) VALUES ($1, $2) RETURNING recalled_at`,
        [id, auditName(caller)],
      );
      await this.changes.record(manager, { kind: 'recalled', id });
      this.log.log({ notificationId: id, by: auditName(caller) }, 'notification recalled');
      return { id, recalledAt: row.recalled_at.toISOString() };
    });
  }

  /** PATCH /api/push/:id: a new version with the given fields; 409 once recalled. */
  async edit(caller: FollowUpCaller, id: string, patch: NotificationPatch): Promise<Notification> {
    if (patch.title === undefined && patch.body === undefined && patch.data === undefined) {
      throw new BadRequestException({ message: 'Give at least one of title, body or data.', field: 'title' });
    }
    if (patch.data !== undefined) {
      const bytes = Buffer.byteLength(JSON.stringify(patch.data));
      if (bytes > MAX_PUSH_DATA_BYTES) throw new PayloadTooLargeException(`data is ${bytes} bytes as JSON; the limit is ${MAX_PUSH_DATA_BYTES}.`);
    }
    await this.db.transaction(async (manager) => {
      await this.owned(manager, caller, id, true);
      const [recalled]: unknown[] = await manager.query(`SELECT 1 FROM notification_recalls WHERE notification_id = $1`, [id]);
      if (recalled) throw new ConflictException({ message: `Notification ${id} was recalled; it can no longer be changed.`, code: 'recalled' });
      await this.update(manager, id, patch, auditName(caller));
    });
    const [n] = await this.store.byIds([id], 'ASC');
    return toNotification(n, { userId: '', rooms: n.rooms });
  }

  /**
   * Writes a new version of notification `id` (its row must be locked by the caller), keeps the current one in
   * notification_versions, and tells live readers on commit. Used by edits and by approval cards.
   */
  async update(manager: EntityManager, id: string, patch: NotificationPatch, by: string): Promise<number> {
    await manager.query(
      `INSERT INTO notification_versions (notification_id, version, title, body, data, replaced_by)
       SELECT id, version, title, body, data, $2 FROM notifications WHERE id = $1`,
      [id, by],
    );
    const [row]: Array<{ version: number }> = await manager.query(
      `WITH changed AS (
         UPDATE notifications SET title = coalesce($2, title), body = coalesce($3, body), data = coalesce($4::jsonb, data),
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING version)
       SELECT version FROM changed`,
      [id, patch.title ?? null, patch.body ?? null, patch.data === undefined ? null : JSON.stringify(patch.data)],
    );
    await this.changes.record(manager, { kind: 'updated', id, version: row.version });
    return row.version;
  }

  /** The notification if the caller may follow it up (locked with `lock`); 404 / 403 otherwise. */
  private async owned(manager: EntityManager, caller: FollowUpCaller, id: string, lock = false): Promise<Owned> {
    const [row]: Array<{ actor_id: string | null; api_key_id: string | null; rooms: string[] | null }> = await manager.query(
      `SELECT n.actor_id::text, n.api_key_id::text,
              (SELECT array_agg(room ORDER BY room) FROM notification_rooms r WHERE r.notification_id = n.id) AS rooms
         FROM notifications n WHERE n.id = $1 ${lock ? 'FOR UPDATE OF n' : ''}`,
      [id],
    );
    if (caller.kind === 'key') {
      if (!row || row.api_key_id === null || String(row.api_key_id) !== caller.id) throw new NotFoundException(`No notification ${id} pushed with this API key.`);
    } else {
      if (!row) throw new NotFoundException(`No notification ${id}.`);
      if (!caller.admin && (row.actor_id === null || String(row.actor_id) !== caller.id)) {
        throw new ForbiddenException('Only admins and the user whose action caused a notification can follow it up.');
      }
    }
    return { id, rooms: row.rooms ?? [], actorId: row.actor_id === null ? null : String(row.actor_id) };
  }
}
