import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export const MAX_TIMER_KEY = 200;
export const MAX_TIMER_KIND = 100;
/** A timer may be set at most this far ahead (one year): further is a bug, not a plan. */
export const MAX_TIMER_DELAY_SECONDS = 366 * 24 * 3600;

/** A timer to set: its kind picks the handler; its key names it (setting the same key again updates that one timer). */
export interface TimerSpec<P extends object = Record<string, unknown>> {
  kind: string;
  key: string;
  /** When it is due: a moment, or seconds from now on the database's clock (no skew between instances). */
  dueAt: Date | { inSeconds: number };
  payload: P;
}

/** A timer as its handler sees it, claimed and locked inside the firing transaction. */
export interface DueTimer {
  id: string;
  kind: string;
  key: string;
  dueAt: Date;
  payload: unknown;
  /** Failed attempts before this one. */
  attempts: number;
}

/**
 * What a handler did: `fired` (it recorded its effect) or `moot` (the thing it was for is gone, e.g. the
 * approval was decided by a writer that raced the cancel); the timer is marked fired or cancelled accordingly.
 */
export type TimerOutcome = 'fired' | 'moot';
/** Runs inside the transaction that marks the timer; its writes (a DomainEvents.record) commit with the mark or not at all. */
export type TimerHandler = (manager: EntityManager, timer: DueTimer) => Promise<TimerOutcome>;

/** Escapes LIKE's wildcards so that a prefix matches itself only. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Durable timers: set and cancelled with the caller's EntityManager, so a timer changes in the same
 * transaction as the domain change that makes it needed or moot. TimerRunner fires them. Domains
 * register a handler per kind at module init.
 */
@Injectable()
export class Timers {
  private readonly handlers = new Map<string, TimerHandler>();

  /** Registers the handler of `kind`; one per kind. */
  handle(kind: string, handler: TimerHandler): void {
    if (this.handlers.has(kind)) throw new Error(`A handler for timer kind "${kind}" is already registered.`);
    this.handlers.set(kind, handler);
  }

  handlerFor(kind: string): TimerHandler | undefined {
    return this.handlers.get(kind);
  }

  /**
   * Sets a timer, or moves a pending (or cancelled) one with the same key to the new time and payload.
   * A key that already fired stays spent: the effect happened once and does not happen again.
   */
  async schedule<P extends object>(manager: EntityManager, spec: TimerSpec<P>): Promise<void> {
    if (!spec.kind || spec.kind.length > MAX_TIMER_KIND) throw new Error(`timer kind must be 1-${MAX_TIMER_KIND} characters`);
    if (!spec.key || spec.key.length > MAX_TIMER_KEY) throw new Error(`timer key must be 1-${MAX_TIMER_KEY} characters`);
    const relative = !(spec.dueAt instanceof Date);
    let due: string | number;
    if (spec.dueAt instanceof Date) {
      if (Number.isNaN(spec.dueAt.getTime())) throw new Error('timer dueAt is not a valid date');
      due = spec.dueAt.toISOString();
    } else {
      const s = spec.dueAt.inSeconds;
      if (!Number.isFinite(s) || s < 0 || s > MAX_TIMER_DELAY_SECONDS) throw new Error(`timer delay must be 0-${MAX_TIMER_DELAY_SECONDS} seconds`);
      due = s;
    }
    await manager.query(
      `INSERT INTO timers (kind, key, due_at, payload)
       VALUES ($1, $2, ${relative ? `now() + make_interval(secs => $3::float8)` : `$3::timestamptz`}, $4)
       ON CONFLICT (key) DO UPDATE
          SET kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, attempts = 0,
              last_error = NULL, next_attempt_at = NULL, cancelled_at = NULL, updated_at = now()
        WHERE timers.fired_at IS NULL`,
      [spec.kind, spec.key, due, JSON.stringify(spec.payload)],
    );
  }

  /** Cancels the pending timer with this key, or every pending timer whose key starts with `prefix`; answers how many. */
  async cancel(manager: EntityManager, which: { key: string } | { prefix: string }): Promise<number> {
    const [where, value] = 'key' in which ? ['key = $1', which.key] : [`key LIKE $1 ESCAPE '\\'`, likePrefix(which.prefix)];
    if (!value || value === '%') throw new Error('cancel needs a key or a non-empty prefix');
    const [{ n }]: Array<{ n: number }> = await manager.query(
      `WITH gone AS (
         UPDATE timers SET cancelled_at = now(), updated_at = now()
          WHERE ${where} AND fired_at IS NULL AND cancelled_at IS NULL
          RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [value],
    );
    return n;
  }
}
