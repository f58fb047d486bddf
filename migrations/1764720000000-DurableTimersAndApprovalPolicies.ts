import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable timers: work due at a time, kept in the database so it survives restarts and crashes, claimed
 * with FOR UPDATE SKIP LOCKED by any instance, and fired once (the fired mark commits with its effect).
 * `key` is unique: setting the same timer twice updates one row, and a key that fired stays spent.
 * The key index uses text_pattern_ops so that cancelling by prefix (`approval:12:`) is an index range.
 *
 * Approval policies: per approval kind, how long a step may wait before its approver is reminded and
 * before it is escalated, and to whom.
 */
export class DurableTimersAndApprovalPolicies1764720000000 implements MigrationInterface {
  name = 'DurableTimersAndApprovalPolicies1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE timers (
        id              bigserial PRIMARY KEY,
        kind            text        NOT NULL,
        key             text        NOT NULL,
        due_at          timestamptz NOT NULL,
        payload         jsonb       NOT NULL DEFAULT '{}',
        attempts        integer     NOT NULL DEFAULT 0,
        last_error      text,
        next_attempt_at timestamptz,
        fired_at        timestamptz,
        cancelled_at    timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT timers_fired_or_cancelled CHECK (fired_at IS NULL OR cancelled_at IS NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX timers_key_idx ON timers (key text_pattern_ops)`);
    // The runner's claim: pending timers in due order.
    await q.query(`CREATE INDEX timers_due_idx ON timers (due_at) INCLUDE (next_attempt_at) WHERE fired_at IS NULL AND cancelled_at IS NULL`);
    await q.query(`
      CREATE TABLE approval_policies (
        kind           text PRIMARY KEY,
        remind_after   integer CHECK (remind_after > 0),
        escalate_after integer CHECK (escalate_after > 0),
        escalate_to    jsonb       NOT NULL DEFAULT '"admins"',
        updated_at     timestamptz NOT NULL DEFAULT now(),
        updated_by     bigint REFERENCES users (id) ON DELETE SET NULL,
        CONSTRAINT approval_policies_escalate_later CHECK (remind_after IS NULL OR escalate_after IS NULL OR escalate_after > remind_after)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE approval_policies`);
    await q.query(`DROP TABLE timers`);
  }
}
