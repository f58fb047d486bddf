import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig, METRICS_REGISTRY } from '@herald/common';
import { isDatabaseBusyError, isDatabaseUnavailableError } from '@herald/database';
import { WakeableLoop } from '../wakeable-loop';
import { DueTimer, TimerOutcome, Timers } from './timers.service';

/** Timers fired per pass at most; a fuller backlog continues at once in the next pass. */
const BATCH = 100;
/** Backoff of a failing timer: base · 2^(attempts so far), capped, for as long as the fault lasts. */
export const TIMER_RETRY_BASE_MS = 1_000;
export const TIMER_RETRY_CAP_MS = 5 * 60_000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const MAX_ERROR_LENGTH = 1000;

/** Pending, due, and not backing off after a failure. */
const DUE = `fired_at IS NULL AND cancelled_at IS NULL AND due_at <= now() AND (next_attempt_at IS NULL OR next_attempt_at <= now())`;

interface TimerRow {
  id: string;
  kind: string;
  key: string;
  due_at: Date;
  payload: unknown;
  attempts: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);

/**
 * Fires due timers. Each timer fires in one transaction: claim it (FOR UPDATE SKIP LOCKED, so any
 * number of instances share the work and never take the same row), run its kind's handler, which
 * records its effect (a domain event into the outbox), and mark it fired. The effect and the mark
 * commit together, so a crash before the commit leaves the timer due for the next run and a crash
 * after it leaves it fired: once, whatever dies when. Nothing waits in memory: the loop polls the
 * table (about once a second), so a timer fires within a poll of its due time, or of the restart.
 *
 * A handler that throws rolls its transaction back; the timer records the error and its next attempt
 * (exponential backoff, capped) and is retried for as long as the fault lasts.
 */
@Injectable()
export class TimerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(TimerRunner.name);
  private readonly loop: WakeableLoop;
  private lastPrune = 0;
  private unreachableSince?: number;
  private readonly fired?: Counter<'kind' | 'outcome'>;
  private readonly failures?: Counter<'kind'>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly timers: Timers,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.loop = new WakeableLoop('TimerRunner', () => this.fireDue(), config.embeddedDatabase ? 250 : 1000, this.log);
    if (!registry) return;
    this.fired = new Counter({
      name: 'herald_timers_fired_total',
      help: 'Durable timers that came due and were handled on this instance: outcome fired (its effect recorded) or moot (what it was for was gone)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'herald_timers_failures_total',
      help: 'Attempts to fire a durable timer that failed and were scheduled for a retry',
      labelNames: ['kind'],
      registers: [registry],
    });
    new Gauge({
      name: 'herald_timers_pending',
      help: 'Durable timers set and neither fired nor cancelled (due later, due now, or backing off after a failure)',
      registers: [registry],
      async collect() {
        const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL`);
        this.set(n);
      },
    });
    new Gauge({
      name: 'herald_timers_overdue_seconds',
      help: 'How long the most overdue pending timer has been due; 0 when none is overdue',
      registers: [registry],
      async collect() {
        const rows: Array<{ age: number }> = await db.query(
          `SELECT greatest(0, extract(epoch FROM clock_timestamp() - due_at))::float8 AS age
             FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at LIMIT 1`,
        );
        this.set(rows[0]?.age ?? 0);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Fires up to BATCH due timers, each in its own transaction; true when the pass was full (more may be due). */
  async fireDue(): Promise<boolean> {
    let handled = 0;
    try {
      await this.pruneNowAndThen();
      for (; handled < BATCH; handled++) {
        const result = await this.fireOne();
        if (result === 'none' || result === 'busy') break;
      }
    } catch (err) {
      if (!isDatabaseUnavailableError(err)) throw err;
      if (this.unreachableSince === undefined) {
        this.unreachableSince = Date.now();
        this.log.warn({ err }, 'the database cannot be reached; timers fire when it is back');
      }
      return false;
    }
    if (this.unreachableSince !== undefined) {
      this.log.log({ downForMs: Date.now() - this.unreachableSince }, 'the database is reachable again; timers resumed');
      this.unreachableSince = undefined;
    }
    return handled === BATCH;
  }

  /** Claims and fires one due timer. `failed`: it threw and backs off; `busy`: a lock or statement timeout every row would meet. */
  private async fireOne(): Promise<'none' | TimerOutcome | 'failed' | 'busy'> {
    let claimed: TimerRow | undefined;
    try {
      const outcome = await this.db.transaction(async (m): Promise<TimerOutcome | undefined> => {
        const [row]: TimerRow[] = await m.query(
          `SELECT id, kind, key, due_at, payload, attempts FROM timers WHERE ${DUE} ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        );
        if (!row) return undefined;
        claimed = row;
        const handler = this.timers.handlerFor(row.kind);
        // Perhaps an instance of an older release took it: another instance, or this one after an upgrade, can fire it.
        if (!handler) throw new Error(`No handler is registered for timer kind "${row.kind}".`);
        const timer: DueTimer = { id: row.id, kind: row.kind, key: row.key, dueAt: row.due_at, payload: row.payload, attempts: row.attempts };
        const result = await handler(m, timer);
        await m.query(
          `UPDATE timers SET ${result === 'fired' ? 'fired_at' : 'cancelled_at'} = now(), next_attempt_at = NULL, updated_at = now() WHERE id = $1`,
          [row.id],
        );
        return result;
      });
      if (!outcome || !claimed) return 'none';
      this.fired?.inc({ kind: claimed.kind, outcome });
      this.log.debug({ timerId: claimed.id, kind: claimed.kind, key: claimed.key, outcome, lateMs: Date.now() - claimed.due_at.getTime() }, 'timer handled');
      return outcome;
    } catch (err) {
      if (!claimed || isDatabaseUnavailableError(err)) throw err;
      await this.scheduleRetry(claimed, err);
      return isDatabaseBusyError(err) ? 'busy' : 'failed';
    }
  }

  private async scheduleRetry(timer: TimerRow, err: unknown): Promise<void> {
    const message = errorText(err);
    this.failures?.inc({ kind: timer.kind });
    const [row]: Array<{ attempts: number; delay_ms: number }> = await this.db.query(
      `WITH changed AS (
         UPDATE timers SET attempts = attempts + 1, last_error = $2, updated_at = now(),
                next_attempt_at = now() + least($3::float8 * 2 ^ least(attempts, 30), $4::float8) * interval '1 millisecond'
          WHERE id = $1 AND fired_at IS NULL AND cancelled_at IS NULL
          RETURNING attempts, extract(epoch FROM next_attempt_at - now()) * 1000 AS delay_ms)
       SELECT attempts, round(delay_ms)::int AS delay_ms FROM changed`,
      [timer.id, message, TIMER_RETRY_BASE_MS, TIMER_RETRY_CAP_MS],
    );
    if (!row) return;
    this.log.warn({ timerId: timer.id, kind: timer.kind, key: timer.key, attempts: row.attempts, retryInMs: row.delay_ms, error: message }, 'timer failed; it will be retried');
  }

  /** Deletes fired and cancelled timers older than OUTBOX_RETENTION_DAYS, at most hourly and bounded; pending ones stay. */
  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = Date.now();
    const [{ n }] = await this.db.query(
      `WITH gone AS (
         DELETE FROM timers WHERE id IN (
           SELECT id FROM timers
            WHERE coalesce(fired_at, cancelled_at) < now() - make_interval(days => $1)
            LIMIT 10000)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [this.config.OUTBOX_RETENTION_DAYS],
    );
    if (n) this.log.log({ deleted: n, retentionDays: this.config.OUTBOX_RETENTION_DAYS }, 'pruned fired and cancelled timers');
  }
}
