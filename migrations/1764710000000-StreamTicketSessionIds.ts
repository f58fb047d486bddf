import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stream tickets carry the login session (refresh-token family) of the access token they were minted
 * with, so a ticket of a device that has signed out opens nothing, while the user's other devices' do.
 */
export class StreamTicketSessionIds1764710000000 implements MigrationInterface {
  name = 'StreamTicketSessionIds1764710000000';

  async up(q: QueryRunner): Promise<void> {
    // Tickets minted before this migration have none: they are checked by the session epoch alone (they live a minute).
    await q.query(`ALTER TABLE stream_tickets ADD COLUMN session_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stream_tickets DROP COLUMN session_id`);
  }
}
