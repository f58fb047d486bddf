import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox (domain events committed with their cause), notifications addressed to rooms (one row per
 * notification plus one small row per room: fan-out is O(rooms), not O(users)), per-user read state,
 * API keys with idempotent push requests, and single-use SSE stream tickets.
 */
export class CreateNotifications1763780000000 implements MigrationInterface {
  name = 'CreateNotifications1763780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        id           bigserial    PRIMARY KEY,
        type         varchar(64)  NOT NULL,
        aggregate_id varchar(64)  NOT NULL,
        actor_id     bigint,
        payload      jsonb        NOT NULL,
        created_at   timestamptz  NOT NULL DEFAULT now(),
        attempts     integer      NOT NULL DEFAULT 0,
        last_error   text,
        processed_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (id) WHERE processed_at IS NULL`);

    await q.query(`CREATE SEQUENCE notifications_id_seq AS bigint`);
    await q.query(`
      CREATE TABLE notifications (
        id          bigint       PRIMARY KEY,
        type        varchar(64)  NOT NULL,
        title       varchar(200) NOT NULL,
        body        text         NOT NULL DEFAULT '',
        data        jsonb        NOT NULL DEFAULT '{}',
        source      varchar(100) NOT NULL,
        outbox_id   bigint       UNIQUE,
        created_at  timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification_rooms (
        room            varchar(100) NOT NULL,
        notification_id bigint       NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        PRIMARY KEY (room, notification_id)
      )`);
    await q.query(`CREATE INDEX notification_rooms_notification_idx ON notification_rooms (notification_id)`);

    await q.query(`
      CREATE TABLE notification_reads (
        user_id         bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        notification_id bigint      NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        read_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, notification_id)
      )`);
    await q.query(`
      CREATE TABLE inbox_state (
        user_id       bigint      PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        read_upto     bigint      NOT NULL DEFAULT 0,
        read_upto_at  timestamptz,
        counted_upto  bigint      NOT NULL DEFAULT 0,
        unread        integer     NOT NULL DEFAULT 0,
        rooms_key     text        NOT NULL DEFAULT '',
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE api_keys (
        id           bigserial    PRIMARY KEY,
        name         varchar(100) NOT NULL,
        key_hash     char(64)     NOT NULL UNIQUE,
        key_prefix   varchar(16)  NOT NULL,
        created_by   bigint       REFERENCES users(id) ON DELETE SET NULL,
        created_at   timestamptz  NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at   timestamptz
      )`);
    await q.query(`
      CREATE TABLE push_requests (
        api_key_id      bigint       NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
        idempotency_key varchar(200) NOT NULL,
        request_hash    char(64)     NOT NULL,
        response        jsonb        NOT NULL,
        created_at      timestamptz  NOT NULL DEFAULT now(),
        PRIMARY KEY (api_key_id, idempotency_key)
      )`);
    await q.query(`
      CREATE TABLE stream_tickets (
        ticket_hash      char(64)    PRIMARY KEY,
        user_id          bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at       timestamptz NOT NULL,
        token_expires_at timestamptz NOT NULL,
        used_at          timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stream_tickets`);
    await q.query(`DROP TABLE push_requests`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE inbox_state`);
    await q.query(`DROP TABLE notification_reads`);
    await q.query(`DROP TABLE notification_rooms`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP SEQUENCE notifications_id_seq`);
    await q.query(`DROP TABLE outbox`);
  }
}
