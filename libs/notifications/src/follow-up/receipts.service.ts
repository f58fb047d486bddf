import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subscription } from 'rxjs';
import { DataSource } from 'typeorm';
import type { NotificationReceiptCounts, NotificationReceipts, ReceiptItem } from '@herald/contracts';
import { InboxService } from '../inbox/inbox.service';
import { roomAudience } from '../rooms';
import { DeliveryMarks } from './delivery-marks.service';
import { NotificationChanges } from './notification-changes';

export type ReceiptState = 'read' | 'unread' | 'all';

/** The live `notification:receipts` of one notification goes out at most this often. */
export const RECEIPTS_COALESCE_MS = 1000;
/** Notifications with an actor whose receipts one read-all or one delivery flush looks at (the newest ones). */
const MAX_TOUCHED = 50;
/** ...within this many ids below the top of the range: a read-all or a replay over a long history scans no more. */
const MAX_TOUCHED_SPAN = 5000n;

/**
 * The recipients of notification $1 with their delivered and read times. Recipients are the users the addressed
 * rooms reached WHEN IT WAS SENT: each user's membership-log entry with the greatest from_id below the id (the roles
 * and disabled flag they had then; see the NotificationFollowUp migration), never today's roles. The actor ($5) is
 * not one of them. Read: a read row, or a read-all (inbox_state.read_upto) at or past the id. Delivered: the first
 * delivered range of the user that covers the id, or else the read time (a user who read it also got it).
 */
const RECIPIENTS_SQL = `
  WITH r AS (
    SELECT u.id, u.display_name FROM users u
    CROSS JOIN LATERAL (SELECT l.roles, l.disabled FROM user_membership_log l
                         WHERE l.user_id = u.id AND l.from_id < $1 ORDER BY l.from_id DESC LIMIT 1) m
     WHERE NOT m.disabled AND ($4 OR u.id = ANY($2::bigint[]) OR m.roles && $3::text[]) AND u.id IS DISTINCT FROM $5::bigint
  ), s AS (
    SELECT r.id, r.display_name,
           coalesce((SELECT rd.read_at FROM notification_reads rd WHERE rd.user_id = r.id AND rd.notification_id = $1),
                    (SELECT coalesce(st.read_upto_at, now()) FROM inbox_state st WHERE st.user_id = r.id AND st.read_upto >= $1)) AS read_at,
           (SELECT d.delivered_at FROM user_deliveries d WHERE d.user_id = r.id AND d.upto >= $1 AND d.from_id < $1
             ORDER BY d.upto, d.delivered_at LIMIT 1) AS live_at
      FROM r
  )`;

interface Target {
  id: string;
  rooms: string[];
  actorId: string | null;
}

/**
 * Read receipts for the sender: computed from membership history, read state and delivered ranges, so a
 * broadcast to 10,000 users writes nothing per user at send time. As people read, the actor's live readers get
 * `notification:receipts` (coalesced per notification).
 */
@Injectable()
export class Receipts implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(Receipts.name);
  private readonly due = new Map<string, NodeJS.Timeout>();
  private subs: Subscription[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly inbox: InboxService,
    private readonly marks: DeliveryMarks,
    private readonly changes: NotificationChanges,
  ) {}

  onApplicationBootstrap(): void {
    this.subs.push(
      this.inbox.reads$.subscribe((r) => void this.touchRange(r.ids, r.from, r.upto)),
      this.marks.written$.subscribe((r) => void this.touchRange([], r.from, r.upto)),
    );
  }

  onModuleDestroy(): void {
    for (const s of this.subs) s.unsubscribe();
    for (const t of this.due.values()) clearTimeout(t);
    this.due.clear();
  }

  async counts(target: Target): Promise<NotificationReceiptCounts> {
    const [row]: Array<{ recipients: number; delivered: number; read: number }> = await this.db.query(
      `${RECIPIENTS_SQL} SELECT count(*)::int AS recipients, count(coalesce(live_at, read_at))::int AS delivered, count(read_at)::int AS read FROM s`,
      this.params(target),
    );
    return { id: target.id, ...row };
  }

  /** The counts and one page in one pass over the recipients (the CTE is computed once for both). */
  async page(target: Target, state: ReceiptState, limit: number, cursor?: string): Promise<NotificationReceipts> {
    const filter = state === 'read' ? 'AND read_at IS NOT NULL' : state === 'unread' ? 'AND read_at IS NULL' : '';
    const rows: Array<{ recipients: number; delivered: number; read: number; id: string | null; display_name: string; read_at: Date | null; live_at: Date | null }> =
      await this.db.query(
        `${RECIPIENTS_SQL}, c AS (
           SELECT count(*)::int AS recipients, count(coalesce(live_at, read_at))::int AS delivered, count(read_at)::int AS read FROM s)
         SELECT c.recipients, c.delivered, c.read, p.id::text AS id, p.display_name, p.read_at, p.live_at
           FROM c LEFT JOIN LATERAL (SELECT * FROM s WHERE id > $6::bigint ${filter} ORDER BY id LIMIT $7) p ON true
          ORDER BY p.id`,
        [...this.params(target), cursor ?? '0', limit + 1],
      );
    const { recipients, delivered, read } = rows[0];
    const page = rows.filter((r) => r.id !== null);
    const items: ReceiptItem[] = page.slice(0, limit).map((r) => ({
      userId: String(r.id),
      displayName: r.display_name,
      deliveredAt: (r.live_at ?? r.read_at)?.toISOString() ?? null,
      readAt: r.read_at?.toISOString() ?? null,
    }));
    return { id: target.id, recipients, delivered, read, items, nextCursor: page.length > limit ? items[items.length - 1].userId : null };
  }

  private params(t: Target): unknown[] {
    const { all, userIds, roles } = roomAudience(t.rooms);
    return [t.id, userIds, roles, all, t.actorId];
  }

  /** Reads or deliveries touched these ids (or the range): the actors' live counts are sent again, coalesced. */
  private async touchRange(ids: readonly string[], from: string, upto: string): Promise<void> {
    if (BigInt(upto) - BigInt(from) > MAX_TOUCHED_SPAN) from = (BigInt(upto) - MAX_TOUCHED_SPAN).toString();
    try {
      const rows: Array<{ id: string }> = await this.db.query(
        `(SELECT id::text FROM notifications WHERE id = ANY($1::bigint[]) AND actor_id IS NOT NULL)
         UNION
         (SELECT id::text FROM notifications WHERE id > $2 AND id <= $3 AND actor_id IS NOT NULL ORDER BY id DESC LIMIT ${MAX_TOUCHED})`,
        [ids, from, upto],
      );
      for (const r of rows) this.schedule(String(r.id));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not look up the receipts to update');
    }
  }

  private schedule(id: string): void {
    if (this.due.has(id)) return;
    const timer = setTimeout(() => {
      this.due.delete(id);
      void this.send(id);
    }, RECEIPTS_COALESCE_MS);
    timer.unref();
    this.due.set(id, timer);
  }

  private async send(id: string): Promise<void> {
    try {
      const [n]: Array<{ actor_id: string | null; rooms: string[] }> = await this.db.query(
        `SELECT n.actor_id::text, (SELECT array_agg(room) FROM notification_rooms r WHERE r.notification_id = n.id) AS rooms
           FROM notifications n WHERE n.id = $1 AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = n.id)`,
        [id],
      );
      if (!n?.actor_id) return;
      const counts = await this.counts({ id, rooms: n.rooms ?? [], actorId: String(n.actor_id) });
      await this.changes.announce({ kind: 'receipts', actorId: String(n.actor_id), ...counts });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, id }, 'could not send live receipts');
    }
  }
}
