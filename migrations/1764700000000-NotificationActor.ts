import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who caused a notification (`actor_id`, null for pushes from other systems) and who got it already read
 * (`read_by`: the actor, and later recipients who muted its type). The read rows themselves are in
 * notification_reads like any read; the array lets the live feed and replays mark them read without a
 * query per reader.
 */
export class NotificationActor1764700000000 implements MigrationInterface {
  name = 'NotificationActor1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications ADD COLUMN actor_id bigint`);
    await q.query(`ALTER TABLE notifications ADD COLUMN read_by bigint[] NOT NULL DEFAULT '{}'`);
    await q.query(`CREATE INDEX notifications_actor_idx ON notifications (actor_id, id) WHERE actor_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notifications_actor_idx`);
    await q.query(`ALTER TABLE notifications DROP COLUMN read_by`);
    await q.query(`ALTER TABLE notifications DROP COLUMN actor_id`);
  }
}
