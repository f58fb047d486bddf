import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stream tickets carry the session epoch they were minted in, so a ticket minted before a logout or
 * a password change opens nothing afterwards; indexes let the per-user rate limit count and the
 * clean-up delete without scanning the table.
 */
export class StreamTicketSessions1764610000000 implements MigrationInterface {
  name = 'StreamTicketSessions1764610000000';

  async up(q: QueryRunner): Promise<void> {
    // Tickets minted before this migration have no epoch: -1 never matches, so they are refused (they live a minute).
    await q.query(`ALTER TABLE stream_tickets ADD COLUMN session_epoch integer NOT NULL DEFAULT -1`);
    await q.query(`CREATE INDEX stream_tickets_user_expires_idx ON stream_tickets (user_id, expires_at)`);
    await q.query(`CREATE INDEX stream_tickets_expires_idx ON stream_tickets (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX stream_tickets_expires_idx`);
    await q.query(`DROP INDEX stream_tickets_user_expires_idx`);
    await q.query(`ALTER TABLE stream_tickets DROP COLUMN session_epoch`);
  }
}
