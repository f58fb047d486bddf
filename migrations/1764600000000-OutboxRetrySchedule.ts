import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox rows get a retry schedule instead of a retry budget: `next_attempt_at` (exponential backoff,
 * capped) for rows whose dispatch failed, and `parked_at`/`parked_reason` for the only rows that are
 * set aside, events no audience rule can render. A parked row keeps `processed_at` NULL: it was never
 * dispatched, and requeueing it is clearing `parked_at`.
 *
 * Rows the old rule parked after 5 failed attempts (processed_at set, last_error set, no notification)
 * may have failed only because of a transient fault, so they go back to pending: the dispatcher
 * delivers them, or parks them at once if they really cannot be rendered.
 */
export class OutboxRetrySchedule1764600000000 implements MigrationInterface {
  name = 'OutboxRetrySchedule1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN parked_at       timestamptz,
        ADD COLUMN parked_reason   text`);
    await q.query(`
      UPDATE outbox o SET processed_at = NULL, next_attempt_at = NULL
       WHERE o.processed_at IS NOT NULL AND o.last_error IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.outbox_id = o.id)`);
    // The claim walks this index in id order; rows backing off are filtered on the heap, bounded by the backlog.
    await q.query(`DROP INDEX outbox_pending_idx`);
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (id) INCLUDE (next_attempt_at) WHERE processed_at IS NULL AND parked_at IS NULL`);
    await q.query(`CREATE INDEX outbox_parked_idx ON outbox (id) WHERE parked_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The old schema's notion of parked: processed, with the reason in last_error.
    await q.query(`UPDATE outbox SET processed_at = parked_at, last_error = parked_reason WHERE parked_at IS NOT NULL`);
    await q.query(`DROP INDEX outbox_parked_idx`);
    await q.query(`DROP INDEX outbox_pending_idx`);
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (id) WHERE processed_at IS NULL`);
    await q.query(`ALTER TABLE outbox DROP COLUMN parked_reason, DROP COLUMN parked_at, DROP COLUMN next_attempt_at`);
  }
}
