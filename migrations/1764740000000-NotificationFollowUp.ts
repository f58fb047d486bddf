import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a sender can follow and change after sending (issue 12), with O(1) rows per broadcast at send time:
 * - `notifications.api_key_id` (who pushed it), `version` and `updated_at` (updates in place), and
 *   `notification_versions` (every earlier version, for audit).
 * - `notification_recalls`: one row per recalled notification (who, when); `seq` lets each inbox's cached unread
 *   count catch up on recalls it has not applied yet (`inbox_state.recalls_seen`).
 * - `notification_seen` / `inbox_state.seen_upto` (seen, a state apart from read) and `notification_archives`.
 * - `user_deliveries`: per-user ranges of ids delivered to a live connection (from_id, upto], written coalesced
 *   (one row per connection per flush, not per notification): "delivered at" for every id in the range.
 * - `user_membership_log`: each user's roles and disabled flag from a notification high-water id on (`from_id`):
 *   the recipients of notification N are the users whose entry with the greatest from_id < N put them in its
 *   rooms. Written by a trigger on users (insert, role change, disable), so role changes later do not rewrite
 *   who a notification was sent to, and a broadcast writes nothing per user.
 */
export class NotificationFollowUp1764740000000 implements MigrationInterface {
  name = 'NotificationFollowUp1764740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications ADD COLUMN api_key_id bigint REFERENCES api_keys(id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE notifications ADD COLUMN version integer NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE notifications ADD COLUMN updated_at timestamptz`);
    // Cards of one approval, found when a step is decided: a small partial index, not a scan of every notification.
    await q.query(`CREATE INDEX notifications_approval_idx ON notifications ((data->>'approvalId')) WHERE source = 'approvals'`);
    await q.query(`
      CREATE TABLE notification_versions (
        notification_id bigint       NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        version         integer      NOT NULL,
        title           varchar(200) NOT NULL,
        body            text         NOT NULL,
        data            jsonb        NOT NULL,
        replaced_at     timestamptz  NOT NULL DEFAULT now(),
        replaced_by     varchar(120) NOT NULL,
        PRIMARY KEY (notification_id, version)
      )`);
    await q.query(`
      CREATE TABLE notification_recalls (
        seq             bigserial    PRIMARY KEY,
        notification_id bigint       NOT NULL UNIQUE REFERENCES notifications(id) ON DELETE CASCADE,
        recalled_at     timestamptz  NOT NULL DEFAULT now(),
        recalled_by     varchar(120) NOT NULL
      )`);
    await q.query(`
      CREATE TABLE notification_seen (
        user_id         bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        notification_id bigint      NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        seen_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, notification_id)
      )`);
    await q.query(`
      CREATE TABLE notification_archives (
        user_id         bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        notification_id bigint      NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        archived_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, notification_id)
      )`);
    await q.query(`ALTER TABLE inbox_state ADD COLUMN seen_upto bigint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE inbox_state ADD COLUMN recalls_seen bigint NOT NULL DEFAULT 0`);
    // Recalls made before this column existed did not exist either: every inbox starts caught up.
    await q.query(`
      CREATE TABLE user_deliveries (
        user_id      bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        from_id      bigint      NOT NULL,
        upto         bigint      NOT NULL,
        delivered_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX user_deliveries_user_idx ON user_deliveries (user_id, upto)`);
    await q.query(`
      CREATE TABLE user_membership_log (
        user_id    bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        from_id    bigint      NOT NULL,
        roles      text[]      NOT NULL,
        disabled   boolean     NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, from_id)
      )`);
    // History before this migration is unknown: today's roles stand for all of it.
    await q.query(`INSERT INTO user_membership_log (user_id, from_id, roles, disabled) SELECT id, 0, roles, disabled FROM users`);
    await q.query(`
      CREATE FUNCTION herald_log_membership() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO user_membership_log (user_id, from_id, roles, disabled)
        VALUES (NEW.id, (SELECT coalesce(max(id), 0) FROM notifications), NEW.roles, NEW.disabled)
        ON CONFLICT (user_id, from_id) DO UPDATE SET roles = EXCLUDED.roles, disabled = EXCLUDED.disabled, changed_at = now();
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER users_membership_insert AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION herald_log_membership()`);
    await q.query(`
      CREATE TRIGGER users_membership_update AFTER UPDATE OF roles, disabled ON users FOR EACH ROW
        WHEN (OLD.roles IS DISTINCT FROM NEW.roles OR OLD.disabled IS DISTINCT FROM NEW.disabled)
        EXECUTE FUNCTION herald_log_membership()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER users_membership_update ON users`);
    await q.query(`DROP TRIGGER users_membership_insert ON users`);
    await q.query(`DROP FUNCTION herald_log_membership()`);
    await q.query(`DROP TABLE user_membership_log`);
    await q.query(`DROP TABLE user_deliveries`);
    await q.query(`ALTER TABLE inbox_state DROP COLUMN recalls_seen`);
    await q.query(`ALTER TABLE inbox_state DROP COLUMN seen_upto`);
    await q.query(`DROP TABLE notification_archives`);
    await q.query(`DROP TABLE notification_seen`);
    await q.query(`DROP TABLE notification_recalls`);
    await q.query(`DROP TABLE notification_versions`);
    await q.query(`DROP INDEX notifications_approval_idx`);
    await q.query(`ALTER TABLE notifications DROP COLUMN updated_at`);
    await q.query(`ALTER TABLE notifications DROP COLUMN version`);
    await q.query(`ALTER TABLE notifications DROP COLUMN api_key_id`);
  }
}
