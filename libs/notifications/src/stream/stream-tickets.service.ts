import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

/** How long a stream ticket can wait before it is used. */
export const STREAM_TICKET_TTL_SECONDS = 60;
/** Tickets one user may mint per STREAM_TICKET_TTL_SECONDS (a page opens one per stream and reconnect). */
export const STREAM_TICKETS_PER_MINUTE = 30;
/** Spent and expired tickets are deleted at most this often, a bounded number at a time, through the expiry index. */
const PRUNE_INTERVAL_MS = 60_000;
const PRUNE_BATCH = 1000;

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

export interface RedeemedTicket {
  userId: string;
  tokenExpiresAt: Date;
  sessionEpoch: number;
  sessionId: string | null;
}

/**
 * Single-use, one-minute tickets for EventSource, which cannot send an Authorization header. A
 * ticket stands for the access token it was issued with: it carries that token's session epoch and
 * expiry, and its session id (refresh-token family), so it opens nothing once the session has ended
 * (sign-out of this device or everywhere), and the stream ends when the token expires.
 * Stored in the database, so a ticket issued by one instance works on any other.
 */
@Injectable()
export class StreamTicketsService {
  private lastPrune = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async issue(userId: string, tokenExpiresAt: Date, sessionEpoch: number, sessionId: string | null): Promise<{ ticket: string; expiresAt: string }> {
    // Unexpired tickets are exactly those minted within the last TTL: counted through (user_id, expires_at).
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM stream_tickets WHERE user_id = $1 AND expires_at > now()`, [userId]);
    if (n >= STREAM_TICKETS_PER_MINUTE) {
      throw new HttpException(
        { statusCode: 429, error: 'Too Many Requests', message: `At most ${STREAM_TICKETS_PER_MINUTE} stream tickets per minute; wait before asking again.`, code: 'rate_limited' },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const ticket = `hst_${randomBytes(24).toString('base64url')}`;
    const [{ expires_at }] = await this.db.query(
      `INSERT INTO stream_tickets (ticket_hash, user_id, expires_at, token_expires_at, session_epoch, session_id)
       VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5, $6) RETURNING expires_at`,
      [hash(ticket), userId, STREAM_TICKET_TTL_SECONDS, tokenExpiresAt, sessionEpoch, sessionId],
    );
    await this.pruneNowAndThen();
    return { ticket, expiresAt: (expires_at as Date).toISOString() };
  }

  /** Spends a ticket; null when unknown, expired, already used, or its session has ended since. */
  async redeem(ticket: string): Promise<RedeemedTicket | null> {
    if (ticket.length > 100) return null;
    const [row]: Array<{ user_id: string; token_expires_at: Date; session_epoch: number; session_id: string | null }> = await this.db.query(
      `WITH spent AS (
         UPDATE stream_tickets t SET used_at = now()
           FROM users u
          WHERE t.ticket_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() AND t.token_expires_at > now()
            AND u.id = t.user_id AND u.session_epoch = t.session_epoch
            AND (t.session_id IS NULL OR EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = t.session_id AND r.revoked_at IS NULL))
          RETURNING t.user_id, t.token_expires_at, t.session_epoch, t.session_id)
       SELECT user_id::text, token_expires_at, session_epoch, session_id::text FROM spent`,
      [hash(ticket)],
    );
    return row ? { userId: row.user_id, tokenExpiresAt: row.token_expires_at, sessionEpoch: row.session_epoch, sessionId: row.session_id } : null;
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = Date.now();
    await this.db.query(
      `DELETE FROM stream_tickets WHERE ticket_hash IN (
         SELECT ticket_hash FROM stream_tickets WHERE expires_at < now() - interval '1 hour' ORDER BY expires_at LIMIT $1)`,
      [PRUNE_BATCH],
    );
  }
}
