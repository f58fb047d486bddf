import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

/** How long a stream ticket can wait before it is used. */
export const STREAM_TICKET_TTL_SECONDS = 60;

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/**
 * Single-use, one-minute tickets for EventSource, which cannot send an Authorization header. A
 * ticket stands for the access token it was issued with: the stream ends when that token expires.
 * Stored in the database, so a ticket issued by one instance works on any other.
 */
@Injectable()
export class StreamTicketsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async issue(userId: string, tokenExpiresAt: Date): Promise<{ ticket: string; expiresAt: string }> {
    const ticket = `hst_${randomBytes(24).toString('base64url')}`;
    const [{ expires_at }] = await this.db.query(
      `INSERT INTO stream_tickets (ticket_hash, user_id, expires_at, token_expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3), $4) RETURNING expires_at`,
      [hash(ticket), userId, STREAM_TICKET_TTL_SECONDS, tokenExpiresAt],
    );
    // Spent and expired tickets are of no use to anyone: clear them as we go.
    await this.db.query(`DELETE FROM stream_tickets WHERE expires_at < now() - interval '1 hour'`);
    return { ticket, expiresAt: (expires_at as Date).toISOString() };
  }

  /** Spends a ticket; null when unknown, expired or already used. */
  async redeem(ticket: string): Promise<{ userId: string; tokenExpiresAt: Date } | null> {
    if (ticket.length > 100) return null;
    const [row]: Array<{ user_id: string; token_expires_at: Date }> = await this.db.query(
      `WITH spent AS (
         UPDATE stream_tickets SET used_at = now()
          WHERE ticket_hash = $1 AND used_at IS NULL AND expires_at > now() AND token_expires_at > now()
          RETURNING user_id, token_expires_at)
       SELECT user_id::text, token_expires_at FROM spent`,
      [hash(ticket)],
    );
    return row ? { userId: row.user_id, tokenExpiresAt: row.token_expires_at } : null;
  }
}
