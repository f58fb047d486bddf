import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { audienceFor } from './audience/audience-rules';
import { NotificationStore } from './notification-store';
import { NOTIFICATIONS_CHANNEL, Signals } from './signals';
import { WakeableLoop } from './wakeable-loop';

const BATCH = 200;
/** After this many failed attempts an outbox row is parked (processed_at set, last_error kept) so it blocks nothing. */
export const MAX_OUTBOX_ATTEMPTS = 5;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

interface OutboxRow {
  id: string;
  type: string;
  aggregate_id: string;
  actor_id: string | null;
  payload: unknown;
  attempts: number;
}

/**
 * Turns committed outbox rows into notifications. Each batch is one transaction: claim rows
 * (FOR UPDATE SKIP LOCKED, so instances share the work), apply the audience rules, insert one
 * notification per event under the writer lock, mark the rows done, commit. A crash anywhere
 * before the commit leaves the rows pending for the next run: at-least-once, and the unique
 * notifications.outbox_id makes a repeated run harmless. A batch that fails is retried row by
 * row, so one bad event cannot hold up the ones after it.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(OutboxDispatcher.name);
  private readonly loop: WakeableLoop;
  private unsubscribe?: () => void;
  private lastPrune = 0;

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

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  /** Processes one batch; true when the batch was full (more may be waiting). */
  async dispatchBatch(): Promise<boolean> {
    await this.pruneNowAndThen();
    let result: { created: number; claimed: number };
    try {
      result = await this.db.transaction((m) => this.process(m, BATCH));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'an outbox batch failed; retrying its rows one by one');
      result = await this.processOneByOne();
    }
    if (result.created) this.signals.notificationsCommitted();
    return result.claimed === BATCH;
  }

  /**
   * Deletes dispatched outbox rows older than OUTBOX_RETENTION_DAYS, at most once an hour and a
   * bounded number at a time, so the table does not grow forever. Parked rows (with last_error) stay.
   */
  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = Date.now();
    const [{ n }] = await this.db.query(
      `WITH gone AS (
         DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox
            WHERE processed_at < now() - make_interval(days => $1) AND last_error IS NULL
            ORDER BY id LIMIT 10000)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [this.config.OUTBOX_RETENTION_DAYS],
    );
    if (n) this.log.log({ deleted: n, retentionDays: this.config.OUTBOX_RETENTION_DAYS }, 'pruned dispatched outbox rows');
  }

  private async process(manager: EntityManager, limit: number, skip: string[] = []): Promise<{ created: number; claimed: number }> {
    const rows: OutboxRow[] = await manager.query(
      `SELECT id, type, aggregate_id, actor_id, payload, attempts FROM outbox
        WHERE processed_at IS NULL AND id <> ALL($2::bigint[]) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit, skip],
    );
    if (!rows.length) return { created: 0, claimed: 0 };
    await this.store.lockWriter(manager);
    let created = 0;
    for (const row of rows) {
      // An event no rule can render throws here; the row-by-row pass then parks it with the reason.
      const audience = audienceFor(row.type, row.payload);
      const exists: unknown[] = await manager.query(`SELECT 1 FROM notifications WHERE outbox_id = $1`, [row.id]);
      if (exists.length) continue;
      await this.store.insert(manager, { ...audience, type: row.type, outboxId: row.id });
      created++;
    }
    await manager.query(`UPDATE outbox SET processed_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    if (created && !this.config.embeddedDatabase) await manager.query(`SELECT pg_notify($1, '')`, [NOTIFICATIONS_CHANNEL]);
    return { created, claimed: rows.length };
  }

  /**
   * Each row in its own transaction. A row that fails records why, is skipped for the rest of this
   * pass (so it holds up nothing behind it), and is parked after MAX_OUTBOX_ATTEMPTS.
   */
  private async processOneByOne(): Promise<{ created: number; claimed: number }> {
    let created = 0;
    let claimed = 0;
    const failed: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      let failedId: string | undefined;
      try {
        const r = await this.db.transaction(async (m) => {
          const [head]: OutboxRow[] = await m.query(
            `SELECT id FROM outbox WHERE processed_at IS NULL AND id <> ALL($1::bigint[]) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [failed],
          );
          failedId = head?.id;
          return head ? this.process(m, 1, failed) : { created: 0, claimed: 0 };
        });
        if (!r.claimed) break;
        created += r.created;
        claimed++;
      } catch (err) {
        if (!failedId) throw err;
        failed.push(failedId);
        const message = (err as Error).message.slice(0, 1000);
        const [row]: Array<{ attempts: number; type: string }> = await this.db.query(
          // A CTE, because TypeORM answers a bare UPDATE … RETURNING with [rows, count].
          `WITH changed AS (
             UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                    processed_at = CASE WHEN attempts + 1 >= $3 THEN now() END
              WHERE id = $1 RETURNING attempts, type)
           SELECT attempts, type FROM changed`,
          [failedId, message, MAX_OUTBOX_ATTEMPTS],
        );
        if (row && row.attempts >= MAX_OUTBOX_ATTEMPTS) {
          this.log.error({ outboxId: failedId, type: row.type, error: message }, `outbox event parked after ${row.attempts} failed attempts`);
        } else {
          this.log.warn({ outboxId: failedId, error: message }, 'outbox event failed; it will be retried');
        }
      }
    }
    // Rows that failed wait for the next poll; they are parked after MAX_OUTBOX_ATTEMPTS.
    return { created, claimed };
  }
}
