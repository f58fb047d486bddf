import { MigrationInterface, QueryRunner } from 'typeorm';

/** OA approvals: a request and its ordered steps, one approver each. */
export class CreateApprovals1763800000000 implements MigrationInterface {
  name = 'CreateApprovals1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE approvals (
        id            bigserial PRIMARY KEY,
        kind          text          NOT NULL,
        title         text          NOT NULL,
        amount        numeric(14,2),
        details       text,
        applicant_id  bigint        NOT NULL REFERENCES users(id),
        status        text          NOT NULL DEFAULT 'pending',
        current_step  integer       NOT NULL DEFAULT 0,
        version       integer       NOT NULL DEFAULT 1,
        created_at    timestamptz   NOT NULL DEFAULT now(),
        updated_at    timestamptz   NOT NULL DEFAULT now(),
        CONSTRAINT approvals_kind_known CHECK (kind IN ('purchase','expense','leave')),
        CONSTRAINT approvals_status_known CHECK (status IN ('pending','approved','rejected','withdrawn')),
        CONSTRAINT approvals_amount_needed CHECK (kind = 'leave' OR amount IS NOT NULL),
        CONSTRAINT approvals_amount_non_negative CHECK (amount IS NULL OR amount >= 0),
        CONSTRAINT approvals_title_length CHECK (char_length(title) BETWEEN 1 AND 150),
        CONSTRAINT approvals_current_step_non_negative CHECK (current_step >= 0)
      )`);
    await q.query(`CREATE INDEX approvals_applicant_id_id_idx ON approvals (applicant_id, id DESC)`);
    await q.query(`
      CREATE TABLE approval_steps (
        approval_id  bigint      NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
        position     integer     NOT NULL,
        approver_id  bigint      NOT NULL REFERENCES users(id),
        status       text        NOT NULL,
        comment      text,
        decided_at   timestamptz,
        decided_by   bigint      REFERENCES users(id),
        PRIMARY KEY (approval_id, position),
        CONSTRAINT approval_steps_status_known CHECK (status IN ('waiting','pending','approved','rejected','skipped')),
        CONSTRAINT approval_steps_one_approver_once UNIQUE (approval_id, approver_id),
        CONSTRAINT approval_steps_comment_length CHECK (comment IS NULL OR char_length(comment) <= 1000)
      )`);
    // The "todo" box: the pending step of each approver.
    await q.query(`CREATE INDEX approval_steps_pending_approver_idx ON approval_steps (approver_id, approval_id DESC) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE approval_steps`);
    await q.query(`DROP TABLE approvals`);
  }
}
