import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fallback channels (issue 13, points 3-4): admins' channels (email, DingTalk, WeCom, Feishu, generic
 * webhook), per-type fallback defaults, users' email and preferences, one fallback job per notification
 * (O(1) at send time, expanded when due), and one delivery row per send with its retry schedule.
 */
export class FallbackChannels1764730000000 implements MigrationInterface {
  name = 'FallbackChannels1764730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN email varchar(254)`);
    await q.query(`
      CREATE TABLE channels (
        id         bigserial    PRIMARY KEY,
        kind       varchar(16)  NOT NULL CHECK (kind IN ('email', 'dingtalk', 'wecom', 'feishu', 'webhook')),
        name       varchar(100) NOT NULL,
        config     jsonb        NOT NULL DEFAULT '{}',
        enabled    boolean      NOT NULL DEFAULT true,
        created_at timestamptz  NOT NULL DEFAULT now(),
        updated_at timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX channels_name_key ON channels (lower(name))`);
    await q.query(`
      CREATE TABLE fallback_defaults (
        type          varchar(64)  PRIMARY KEY,
        after_seconds integer      NOT NULL CHECK (after_seconds >= 0),
        channels      text[]       NOT NULL,
        updated_at    timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE user_preferences (
        user_id     bigint      PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        muted       text[]      NOT NULL DEFAULT '{}',
        fallback    jsonb       NOT NULL DEFAULT '{}',
        quiet_hours jsonb,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // Who muted a type: muted && ARRAY['order.updated', 'order.*', '*'] at write time.
    await q.query(`CREATE INDEX user_preferences_muted_idx ON user_preferences USING gin (muted)`);
    await q.query(`
      CREATE TABLE fallback_jobs (
        id              bigserial   PRIMARY KEY,
        notification_id bigint      NOT NULL UNIQUE REFERENCES notifications(id) ON DELETE CASCADE,
        channels        text[]      NOT NULL,
        critical        boolean     NOT NULL DEFAULT false,
        due_at          timestamptz NOT NULL,
        user_cursor     bigint      NOT NULL DEFAULT 0,
        attempts        integer     NOT NULL DEFAULT 0,
        last_error      text,
        done_at         timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX fallback_jobs_due_idx ON fallback_jobs (due_at) WHERE done_at IS NULL`);
    await q.query(`CREATE INDEX fallback_jobs_done_idx ON fallback_jobs (done_at) WHERE done_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE deliveries (
        id              bigserial    PRIMARY KEY,
        notification_id bigint       NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        channel_id      bigint       REFERENCES channels(id) ON DELETE SET NULL,
        channel_kind    varchar(16)  NOT NULL,
        channel_name    varchar(100) NOT NULL,
        user_id         bigint       REFERENCES users(id) ON DELETE CASCADE,
        recipient       varchar(254) NOT NULL,
        unread_count    integer,
        status          varchar(16)  NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'parked', 'cancelled')),
        attempts        integer      NOT NULL DEFAULT 0,
        next_attempt_at timestamptz  NOT NULL DEFAULT now(),
        held_until      timestamptz,
        last_error      text,
        remote_status   integer,
        remote_answer   text,
        parked_reason   text,
        sent_at         timestamptz,
        created_at      timestamptz  NOT NULL DEFAULT now(),
        updated_at      timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT deliveries_once UNIQUE NULLS NOT DISTINCT (notification_id, channel_kind, channel_id, user_id)
      )`);
    await q.query(`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX deliveries_notification_idx ON deliveries (notification_id)`);
    await q.query(`CREATE INDEX deliveries_parked_idx ON deliveries (id) WHERE status = 'parked'`);
    // Pruning finds finished sends by age; parked ones stay until an admin requeues them.
    await q.query(`CREATE INDEX deliveries_finished_idx ON deliveries (updated_at) WHERE status IN ('sent', 'cancelled')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deliveries`);
    await q.query(`DROP TABLE fallback_jobs`);
    await q.query(`DROP TABLE user_preferences`);
    await q.query(`DROP TABLE fallback_defaults`);
    await q.query(`DROP TABLE channels`);
    await q.query(`ALTER TABLE users DROP COLUMN email`);
  }
}
