import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { isDatabaseBusyError, isDatabaseUnavailableError } from '@herald/database';
import { audienceFor, UnrenderableEventError } from './audience/audience-rules';
import { FallbackPlanner } from './fallback/fallback-planner.service';
import { ApprovalCards } from './follow-up/approval-cards';
import { NotificationStore } from './notification-store';
import { NOTIFICATIONS_CHANNEL, Signals } from './signals';
import { WakeableLoop } from './wakeable-loop';

const BATCH = 200;
/** Backoff of a failed outbox row: base · 2^(attempts so far), capped, for as long as the fault lasts. */
export const OUTBOX_RETRY_BASE_MS = 500;
export const OUTBOX_RETRY_CAP_MS = 60_000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const MAX_ERROR_LENGTH = 1000;

/** The rows a claim may take: not dispatched, not parked, and due (never failed, or its backoff is over). */
const CLAIMABLE = `processed_at IS NULL AND parked_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())`;

interface OutboxRow {
  id: string;
  type: string;
  aggregate_id: string;
  actor_id: string | null;
  payload: unknown;
  attempts: number;
}

interface PassResult {
  created: number;
  claimed: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);

/**
 * Turns committed outbox rows into notifications. Each batch is one transaction: claim due rows
 * (FOR UPDATE SKIP LOCKED, so instances share the work), apply the audience rules, insert one
 * notification per event under the writer lock, mark the rows done, commit. A crash anywhere
 * before the commit leaves the rows pending for the next run: at-least-once, and the unique
 * notifications.outbox_id makes a repeated run harmless.
 *
 * Faults are retried, never given up on: a batch that fails is retried row by row, so one bad row
 * cannot hold up the ones after it, and a row that fails gets `next_attempt_at` (exponential backoff,
 * capped) and is tried again for as long as the fault lasts. Only an event that no audience rule can
 * render is parked, at once, with its reason; an admin lists and requeues parked rows.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(OutboxDispatcher.name);
  private readonly loop: WakeableLoop;
  private unsubscribe?: () => void;
  private lastPrune = 0;
  /** Set while the database cannot be reached, so the outage is logged once, not on every poll. */
  private unreachableSince?: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
    private readonly signals: Signals,
    private readonly fallbacks: FallbackPlanner,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly cards: ApprovalCards,
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

  /** Wakes the loop now (a requeued row should not wait for the next poll). */
  wake(): void {
    this.loop.wake();
  }

  /** Processes one batch; true when the batch was full (more may be waiting). */
  async dispatchBatch(): Promise<boolean> {
    let result: PassResult;
    try {
      await this.pruneNowAndThen();
      try {
        result = await this.db.transaction((m) => this.process(m, BATCH));
      } catch (err) {
        if (isDatabaseUnavailableError(err)) throw err;
        this.log.warn({ err }, 'an outbox batch failed; retrying its rows one by one');
        result = await this.processOneByOne();
      }
    } catch (err) {
      // The database is away: nothing can be claimed or recorded. Poll at the usual pace, so delivery resumes
      // within a poll of its return (the loop's own backoff would grow to 30 s), and say so once.
      if (!isDatabaseUnavailableError(err)) throw err;
      if (this.unreachableSince === undefined) {
        this.unreachableSince = Date.now();
        this.log.warn({ err }, 'the database cannot be reached; outbox dispatch resumes when it is back');
      }
      return false;
    }
    if (this.unreachableSince !== undefined) {
      this.log.log({ downForMs: Date.now() - this.unreachableSince }, 'the database is reachable again; outbox dispatch resumed');
      this.unreachableSince = undefined;
    }
    if (result.created) this.signals.notificationsCommitted();
    return result.claimed === BATCH;
  }

  /**
   * Deletes dispatched outbox rows older than OUTBOX_RETENTION_DAYS, at most once an hour and a
   * bounded number at a time, so the table does not grow forever. Parked and pending rows stay.
   */
  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = Date.now();
    const [{ n }] = await this.db.query(
      `WITH gone AS (
         DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox
            WHERE processed_at < now() - make_interval(days => $1) AND parked_at IS NULL
            ORDER BY id LIMIT 10000)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [this.config.OUTBOX_RETENTION_DAYS],
    );
    if (n) this.log.log({ deleted: n, retentionDays: this.config.OUTBOX_RETENTION_DAYS }, 'pruned dispatched outbox rows');
  }

  private async process(manager: EntityManager, limit: number, skip: string[] = []): Promise<PassResult> {
    const rows: OutboxRow[] = await manager.query(
      `SELECT id, type, aggregate_id, actor_id, payload, attempts FROM outbox
        WHERE ${CLAIMABLE} AND id <> ALL($2::bigint[]) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit, skip],
    );
    if (!rows.length) return { created: 0, claimed: 0 };
    await this.store.lockWriter(manager);
    let created = 0;
    const done: string[] = [];
    const parked: Array<{ row: OutboxRow; reason: string }> = [];
    for (const row of rows) {
      let audience;
      try {
        audience = audienceFor(row.type, row.payload);
      } catch (err) {
        // Pure code over the row: it fails the same way on every retry, so set it aside now.
        if (!(err instanceof UnrenderableEventError)) throw err;
        parked.push({ row, reason: errorText(err) });
        continue;
      }
      done.push(row.id);
      const exists: unknown[] = await manager.query(`SELECT 1 FROM notifications WHERE outbox_id = $1`, [row.id]);
      if (exists.length) continue;
      // A decided (withdrawn, escalated) step changes the cards that waited for it, before this event's own card exists.
      await this.cards.afterEvent(manager, row.type, row.payload);
      // Recipients who muted the type get it already read too; and the type's fallback default, if any, is recorded.
      const plan = await this.fallbacks.plan(manager, row.type, audience.rooms);
      // One at a time: the next event's card changes (above) must see this one's card. The pass notifies once, below.
      const [id] = await this.store.insertMany(manager, [{ ...audience, type: row.type, outboxId: row.id, readBy: [...audience.readBy, ...plan.readBy] }], { notify: false });
      await this.fallbacks.recordJob(manager, id, plan);
      created++;
    }
    if (done.length) {
      await manager.query(`UPDATE outbox SET processed_at = now(), attempts = attempts + 1, next_attempt_at = NULL WHERE id = ANY($1::bigint[])`, [
        done,
      ]);
    }
    for (const { row, reason } of parked) {
      await manager.query(
        `UPDATE outbox SET parked_at = now(), parked_reason = $2, last_error = $2, attempts = attempts + 1, next_attempt_at = NULL WHERE id = $1`,
        [row.id, reason],
      );
    }
    if (created && !this.config.embeddedDatabase) await manager.query(`SELECT pg_notify($1, $2)`, [NOTIFICATIONS_CHANNEL, this.signals.origin]);
    for (const { row, reason } of parked) {
      this.log.error({ outboxId: row.id, type: row.type, aggregateId: row.aggregate_id, reason }, 'outbox event parked: no audience rule can render it');
    }
    return { created, claimed: rows.length };
  }

  /**
   * Each row in its own transaction. A row that fails records why and when to try again (backoff) and
   * is skipped for the rest of this pass, so it holds up nothing behind it. A fault that is not the
   * row's (lock or statement timeout, database gone) ends the pass: every row would meet it.
   */
  private async processOneByOne(): Promise<PassResult> {
    let created = 0;
    let claimed = 0;
    const failed: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      let failedId: string | undefined;
      try {
        const r = await this.db.transaction(async (m) => {
          const [head]: OutboxRow[] = await m.query(
            `SELECT id FROM outbox WHERE ${CLAIMABLE} AND id <> ALL($1::bigint[]) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [failed],
          );
          failedId = head?.id;
          return head ? this.process(m, 1, failed) : { created: 0, claimed: 0 };
        });
        if (!r.claimed) break;
        created += r.created;
        claimed++;
      } catch (err) {
        if (!failedId || isDatabaseUnavailableError(err)) throw err;
        failed.push(failedId);
        await this.scheduleRetry(failedId, err);
        if (isDatabaseBusyError(err)) break;
      }
    }
    return { created, claimed };
  }

  /** Records a failed attempt and when the next one is due: base · 2^attempts, capped (the exponent too, against overflow). */
  private async scheduleRetry(id: string, err: unknown): Promise<void> {
    const message = errorText(err);
    const [row]: Array<{ attempts: number; type: string; delay_ms: number }> = await this.db.query(
      // A CTE, because TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      `WITH changed AS (
         UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                next_attempt_at = now() + least($3::float8 * 2 ^ least(attempts, 30), $4::float8) * interval '1 millisecond'
          WHERE id = $1 AND processed_at IS NULL AND parked_at IS NULL
          RETURNING attempts, type, extract(epoch FROM next_attempt_at - now()) * 1000 AS delay_ms)
       SELECT attempts, type, round(delay_ms)::int AS delay_ms FROM changed`,
      [id, message, OUTBOX_RETRY_BASE_MS, OUTBOX_RETRY_CAP_MS],
    );
    if (!row) return;
    this.log.warn(
      { outboxId: id, type: row.type, attempts: row.attempts, retryInMs: row.delay_ms, error: message },
      'outbox event failed; it will be retried',
    );
  }
}
