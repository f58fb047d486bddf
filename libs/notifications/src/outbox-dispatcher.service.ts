import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { audienceFor, NoAudienceRuleError } from './audience/audience-rules';
import { NotificationStore } from './notification-store';
import { NOTIFICATIONS_CHANNEL, Signals } from './signals';
import { WakeableLoop } from './wakeable-loop';

const BATCH = 200;

interface OutboxRow {
  id: string;
  type: string;
  aggregate_id: string;
  actor_id: string | null;
  payload: unknown;
}

/**
 * Turns committed outbox rows into notifications. Each batch is one transaction: claim rows
 * (FOR UPDATE SKIP LOCKED, so instances share the work), apply the audience rules, insert one
 * notification per event under the writer lock, mark the rows done, commit. A crash anywhere
 * before the commit leaves the rows pending for the next run: at-least-once, and the unique
 * notifications.outbox_id makes a repeated run harmless.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxDispatcher.name);
  private readonly loop: WakeableLoop;
  private unsubscribe?: () => void;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
    private readonly signals: Signals,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {
    // The embedded database cannot wake other connections: poll it more often.
    this.loop = new WakeableLoop('OutboxDispatcher', () => this.dispatchBatch(), config.embeddedDatabase ? 250 : 1000, this.log);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.signals.onOutbox(() => this.loop.wake());
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  /** Processes one batch; true when the batch was full (more may be waiting). */
  async dispatchBatch(): Promise<boolean> {
    const created = await this.db.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, type, aggregate_id, actor_id, payload FROM outbox
          WHERE processed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH],
      );
      if (!rows.length) return { count: 0, claimed: 0 };
      await this.store.lockWriter(manager);
      let count = 0;
      const failed: Array<{ id: string; error: string }> = [];
      for (const row of rows) {
        let audience;
        try {
          audience = audienceFor(row.type, row.payload);
        } catch (err) {
          // A row no rule can render would block nobody but would retry forever: park it with the reason.
          const error = err instanceof NoAudienceRuleError ? err.message : `audience rule failed: ${(err as Error).message}`;
          failed.push({ id: row.id, error });
          continue;
        }
        const inserted: unknown[] = await manager.query(`SELECT 1 FROM notifications WHERE outbox_id = $1`, [row.id]);
        if (inserted.length) continue;
        await this.store.insert(manager, { ...audience, type: row.type, outboxId: row.id });
        count++;
      }
      await manager.query(`UPDATE outbox SET processed_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      for (const f of failed) {
        this.log.error({ outboxId: f.id }, f.error);
        await manager.query(`UPDATE outbox SET last_error = $2 WHERE id = $1`, [f.id, f.error]);
      }
      if (count && !this.config.embeddedDatabase) await manager.query(`SELECT pg_notify($1, '')`, [NOTIFICATIONS_CHANNEL]);
      return { count, claimed: rows.length };
    });
    if (created.count) this.signals.notificationsCommitted();
    return created.claimed === BATCH;
  }
}
