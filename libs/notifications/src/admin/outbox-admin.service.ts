import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { OUTBOX_CHANNEL, Signals } from '../signals';
import type { OutboxItemDto, OutboxPageDto, OutboxState } from './outbox-admin.dto';

interface Row {
  id: string;
  type: string;
  aggregate_id: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  parked_at: Date | null;
  parked_reason: string | null;
  processed_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id::text, type, aggregate_id, attempts, last_error, next_attempt_at, parked_at, parked_reason, processed_at, created_at`;

/** Each state as a filter that the outbox's partial indexes serve. */
const STATE_FILTER: Record<OutboxState, string> = {
  parked: `parked_at IS NOT NULL`,
  pending: `processed_at IS NULL AND parked_at IS NULL`,
  failed: `processed_at IS NULL AND parked_at IS NULL AND last_error IS NOT NULL`,
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toDto = (r: Row): OutboxItemDto => ({
  id: r.id,
  type: r.type,
  aggregateId: r.aggregate_id,
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: iso(r.next_attempt_at),
  parkedAt: iso(r.parked_at),
  parkedReason: r.parked_reason,
  processedAt: iso(r.processed_at),
  createdAt: r.created_at.toISOString(),
});

/** What an admin sees of the outbox: rows set aside or still waiting, and the way to put a parked row back. */
@Injectable()
export class OutboxAdminService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly signals: Signals,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  /** Newest first, keyset-paged. */
  async list(state: OutboxState, limit: number, cursor?: string): Promise<OutboxPageDto> {
    const before = cursor ? decodeCursor(`outbox${state}`, cursor) : null;
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM outbox WHERE ${STATE_FILTER[state]} AND ($2::bigint IS NULL OR id < $2::bigint)
        ORDER BY id DESC LIMIT $1`,
      [limit + 1, before],
    );
    const page = rows.slice(0, limit);
    return { items: page.map(toDto), nextCursor: rows.length > limit ? encodeCursor(`outbox${state}`, page[page.length - 1].id) : null };
  }

  /** Puts a parked row back in the queue, due now; 404 if there is no such row, 409 if it is not parked. */
  async requeue(id: string): Promise<OutboxItemDto> {
    const row = await this.db.transaction(async (m) => {
      const [current]: Array<{ parked: boolean }> = await m.query(`SELECT parked_at IS NOT NULL AS parked FROM outbox WHERE id = $1 FOR UPDATE`, [id]);
      if (!current) throw new NotFoundException(`No outbox event with id ${id}.`);
      if (!current.parked) throw new ConflictException({ message: `Outbox event ${id} is not parked; only parked events can be requeued.`, code: 'not_parked' });
      const [changed]: Row[] = await m.query(
        `WITH changed AS (
           UPDATE outbox SET parked_at = NULL, parked_reason = NULL, next_attempt_at = NULL WHERE id = $1
           RETURNING ${COLUMNS})
         SELECT * FROM changed`,
        [id],
      );
      if (!this.config.embeddedDatabase) await m.query(`SELECT pg_notify($1, $2)`, [OUTBOX_CHANNEL, this.signals.origin]);
      return changed;
    });
    this.signals.outboxCommitted();
    return toDto(row);
  }
}
