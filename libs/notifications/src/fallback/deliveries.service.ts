import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type ClaimedDelivery, DeliveryWorker } from './delivery-worker.service';
import type { DeliveryDto, DeliveryPageDto, DeliveryStatus, ListDeliveriesQuery } from './fallback.dto';

interface Row extends ClaimedDelivery {
  status: DeliveryStatus;
  next_attempt_at: Date;
  held_until: Date | null;
  last_error: string | null;
  remote_status: number | null;
  remote_answer: string | null;
  parked_reason: string | null;
  sent_at: Date | null;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toDto = (r: Row): DeliveryDto => ({
  id: String(r.id),
  notificationId: String(r.notification_id),
  channelId: r.channel_id === null ? null : String(r.channel_id),
  channelKind: r.channel_kind,
  channelName: r.channel_name,
  userId: r.user_id === null ? null : String(r.user_id),
  recipient: r.recipient,
  unreadCount: r.unread_count,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
  heldUntil: iso(r.held_until),
  lastError: r.last_error,
  remoteStatus: r.remote_status,
  remoteAnswer: r.remote_answer,
  parkedReason: r.parked_reason,
  sentAt: iso(r.sent_at),
  createdAt: r.created_at.toISOString(),
});

/** The admin's view of fallback sends, and the requeue of parked ones. */
@Injectable()
export class DeliveriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly worker: DeliveryWorker,
  ) {}

  async list(q: ListDeliveriesQuery): Promise<DeliveryPageDto> {
    const rows: Row[] = await this.db.query(
      `SELECT * FROM deliveries
        WHERE ($1::bigint IS NULL OR notification_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [q.notificationId ?? null, q.status ?? null, q.cursor ?? null, q.limit + 1],
    );
    const page = rows.slice(0, q.limit);
    return { items: page.map(toDto), nextCursor: rows.length > q.limit ? String(page[page.length - 1].id) : null };
  }

  async requeue(id: string): Promise<DeliveryDto> {
    const [row]: Row[] = await this.db.query(
      `WITH changed AS (
         UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), parked_reason = NULL, updated_at = now()
          WHERE id = $1 AND status = 'parked' RETURNING *)
       SELECT * FROM changed`,
      [id],
    );
    if (!row) {
      const [exists]: Array<{ status: string }> = await this.db.query(`SELECT status FROM deliveries WHERE id = $1`, [id]);
      if (!exists) throw new NotFoundException(`No delivery ${id}.`);
      throw new ConflictException(`Delivery ${id} is ${exists.status}; only parked deliveries can be requeued.`);
    }
    this.worker.wake();
    return toDto(row);
  }
}
