import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subscription } from 'rxjs';
import { DataSource } from 'typeorm';
import { Rooms } from '@herald/contracts';
import { InboxService } from '../inbox/inbox.service';
import { FeedSubscriber, NotificationFeed } from '../notification-feed.service';
import { NotificationStore, toNotification } from '../notification-store';
import { NotificationChange, NotificationChanges } from './notification-changes';

/**
 * Applies NotificationChanges (from this instance or another) to the live readers on this instance: a recall
 * removes the notification from their screens and sends each affected user an exact `unread`; an update sends
 * the new version with each reader's own room and read state; receipts go to the actor; seen and archived to
 * the user's devices.
 */
@Injectable()
export class LiveChanges implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(LiveChanges.name);
  private sub?: Subscription;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly feed: NotificationFeed,
    private readonly store: NotificationStore,
    private readonly inbox: InboxService,
    private readonly changes: NotificationChanges,
  ) {}

  onApplicationBootstrap(): void {
    this.sub = this.changes.changes$.subscribe((change) => {
      this.apply(change).catch((err: unknown) => this.log.warn({ err: (err as Error).message, kind: change.kind }, 'could not pass a change on to live readers'));
    });
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
  }

  private async apply(change: NotificationChange): Promise<void> {
    switch (change.kind) {
      case 'recalled':
        return this.recalled(change.id);
      case 'updated':
        return this.updated(change.id);
      case 'receipts': {
        const { kind: _kind, actorId, ...counts } = change;
        for (const r of this.feed.readersIn([Rooms.user(actorId)])) r.signal?.('notification:receipts', counts);
        return;
      }
      case 'seen':
        for (const r of this.own(change.userId)) r.signal?.('notification:seen', { ids: change.ids, upTo: change.upTo });
        return;
      case 'archived':
        for (const r of this.own(change.userId)) r.signal?.('notification:archived', { ids: change.ids, archived: change.archived });
        return;
    }
  }

  private own(userId: string): FeedSubscriber[] {
    return this.feed.readersIn([Rooms.user(userId)]).filter((r) => r.userId === userId);
  }

  private async roomsOf(id: string): Promise<string[]> {
    const rows: Array<{ room: string }> = await this.db.query(`SELECT room FROM notification_rooms WHERE notification_id = $1`, [id]);
    return rows.map((r) => r.room);
  }

  private async recalled(id: string): Promise<void> {
    this.feed.forget(id);
    const readers = this.feed.readersIn(await this.roomsOf(id));
    for (const r of readers) r.signal?.('notification:recalled', { id });
    // One count per affected user (not per reader): the count cache catches up on the recall as it refreshes.
    const byUser = new Map<string, FeedSubscriber>();
    for (const r of readers) byUser.set(r.userId, r);
    for (const r of byUser.values()) await this.inbox.refreshAndAnnounce({ userId: r.userId, rooms: r.rooms });
  }

  private async updated(id: string): Promise<void> {
    const [n] = await this.store.byIds([id], 'ASC');
    if (!n) return;
    const readers = this.feed.readersIn(n.rooms);
    if (!readers.length) return;
    const users = [...new Set(readers.map((r) => r.userId))];
    const reads: Array<{ user_id: string; read_at: Date }> = await this.db.query(
      `SELECT u::text AS user_id, coalesce(
                (SELECT rd.read_at FROM notification_reads rd WHERE rd.user_id = u AND rd.notification_id = $1),
                (SELECT coalesce(st.read_upto_at, now()) FROM inbox_state st WHERE st.user_id = u AND st.read_upto >= $1)) AS read_at
         FROM unnest($2::bigint[]) u`,
      [id, users],
    );
    const readAt = new Map(reads.filter((r) => r.read_at).map((r) => [String(r.user_id), r.read_at.toISOString()]));
    for (const r of readers) r.signal?.('notification:updated', toNotification(n, r, readAt.get(r.userId) ?? null));
  }
}
