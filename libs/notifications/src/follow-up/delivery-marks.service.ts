import { Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import { DataSource } from 'typeorm';

/** Delivered ranges are written at most this often, one multi-row INSERT for every reader that got something. */
export const DELIVERY_FLUSH_MS = 1000;

interface Mark {
  userId: string;
  /** Everything in (from, upto] was delivered (or did not concern the reader): the rows written say so. */
  from: bigint;
  upto: bigint;
}

/**
 * "Delivered" for receipts, without a write per notification: each live reader (socket or SSE stream) is
 * delivered ids in increasing order, so what it got is a range (from, upto] that grows. Once a second the
 * ranges that grew are written as rows of user_deliveries (user, from_id, upto, delivered_at): a broadcast
 * costs one row per online reader per second, nothing per offline user, and nothing at send time.
 * A notification N counts as delivered to user U at the first row with from_id < N <= upto.
 */
@Injectable()
export class DeliveryMarks implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(DeliveryMarks.name);
  private readonly marks = new Map<object, Mark>();
  /** Ranges of readers that went away, still to be written. */
  private closed: Mark[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly written = new Subject<{ from: string; upto: string }>();
  /** After each write: the span of ids whose delivered counts may have changed. */
  readonly written$ = this.written.asObservable();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), DELIVERY_FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (const key of [...this.marks.keys()]) this.untrack(key);
    await this.flush();
  }

  /** A reader starts at `from` (its cursor: what it is replayed after, or the tail's position). */
  track(key: object, userId: string, from: bigint): void {
    this.marks.set(key, { userId, from, upto: from });
  }

  delivered(key: object, id: bigint): void {
    const mark = this.marks.get(key);
    if (mark && id > mark.upto) mark.upto = id;
  }

  untrack(key: object): void {
    const mark = this.marks.get(key);
    this.marks.delete(key);
    if (mark && mark.upto > mark.from) this.closed.push(mark);
  }

  /** Writes every range that grew since the last flush (also called by tests to not wait a second). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    const rows: Mark[] = this.closed;
    this.closed = [];
    // rows[0, closedRows) are ranges of readers that went away; the rest are copies of open readers' ranges.
    const closedRows = rows.length;
    const open: Array<[Mark, bigint]> = [];
    for (const mark of this.marks.values()) {
      if (mark.upto > mark.from) {
        rows.push({ ...mark });
        open.push([mark, mark.upto]);
      }
    }
    if (!rows.length) return;
    try {
      await this.db.query(
        `INSERT INTO user_deliveries (user_id, from_id, upto)
         SELECT u, f, t FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS x(u, f, t) WHERE EXISTS (SELECT 1 FROM users WHERE id = u)`,
        [rows.map((r) => r.userId), rows.map((r) => r.from.toString()), rows.map((r) => r.upto.toString())],
      );
    } catch (err) {
      // Kept for the next flush: a range that is written late still says the right thing, only later. Open
      // readers' ranges did not move, so the next flush writes them anyway; only the closed ones are kept here
      // (picked by position: matching each row against every open reader was quadratic, 10,000 readers made it
      // 10^8 comparisons a second for as long as the database was down).
      for (let i = 0; i < closedRows; i++) this.closed.push(rows[i]);
      this.log.warn({ err: (err as Error).message, rows: rows.length }, 'could not record deliveries; retrying at the next flush');
      return;
    }
    for (const [mark, upto] of open) mark.from = upto;
    let from = rows[0].from;
    let upto = rows[0].upto;
    for (const r of rows) {
      if (r.from < from) from = r.from;
      if (r.upto > upto) upto = r.upto;
    }
    this.written.next({ from: from.toString(), upto: upto.toString() });
  }
}
