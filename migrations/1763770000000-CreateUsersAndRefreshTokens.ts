import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersAndRefreshTokens1763770000000 implements MigrationInterface {
  name = 'CreateUsersAndRefreshTokens1763770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id            bigserial PRIMARY KEY,
        username      varchar(64)  NOT NULL,
        display_name  varchar(128) NOT NULL,
        password_hash text         NOT NULL,
        roles         text[]       NOT NULL DEFAULT '{}',
        disabled      boolean      NOT NULL DEFAULT false,
        session_epoch integer      NOT NULL DEFAULT 0,
        created_at    timestamptz  NOT NULL DEFAULT now(),
        updated_at    timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT users_roles_known CHECK (roles <@ ARRAY['admin','manager','sales','warehouse','finance','staff']::text[])
      )`);
    await q.query(`CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))`);
    await q.query(`CREATE INDEX users_roles_idx ON users USING gin (roles)`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        id          bigserial PRIMARY KEY,
        user_id     bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        family_id   uuid        NOT NULL,
        token_hash  char(64)    NOT NULL UNIQUE,
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        revoked_at  timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id)`);
    await q.query(`CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE users`);
  }
}
