import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { UserEntity } from '@herald/auth';
import type { ApprovalKind, ApprovalStatus, ApprovalStepStatus } from '@herald/contracts';

// Constraint and index names and CHECK expressions exactly as the CreateApprovals migration leaves them in PostgreSQL
// (expressions as PostgreSQL prints them back), so that migration:generate sees no difference.
/** An OA request (purchase, expense, leave) that runs through ordered approval steps. */
@Check('approvals_kind_known', `(kind = ANY (ARRAY['purchase'::text, 'expense'::text, 'leave'::text]))`)
@Check(
  'approvals_status_known',
  `(status = ANY (ARRAY['pending'::text, 'approved'::text, 'rejected'::text, 'withdrawn'::text]))`,
)
@Check('approvals_amount_needed', `((kind = 'leave'::text) OR (amount IS NOT NULL))`)
@Check('approvals_amount_non_negative', `((amount IS NULL) OR (amount >= (0)::numeric))`)
@Check('approvals_title_length', `((char_length(title) >= 1) AND (char_length(title) <= 150))`)
@Check('approvals_current_step_non_negative', `(current_step >= 0)`)
@Entity({ name: 'approvals' })
export class ApprovalEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  kind!: ApprovalKind;

  @Column({ type: 'text' })
  title!: string;

  /** Exact decimal string; null only for leave requests. */
  @Column({ type: 'numeric', precision: 14, scale: 2, nullable: true })
  amount!: string | null;

  @Column({ type: 'text', nullable: true })
  details!: string | null;

  // (applicant_id, id DESC): @Index cannot say DESC, so the migration owns this index.
  @Index('approvals_applicant_id_id_idx', { synchronize: false })
  @Column({ name: 'applicant_id', type: 'bigint' })
  applicantId!: string;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'applicant_id', foreignKeyConstraintName: 'approvals_applicant_id_fkey' })
  applicant?: UserEntity;

  @Column({ type: 'text', default: 'pending' })
  status!: ApprovalStatus;

  /** Index of the step waiting for a decision; the number of steps once finished. */
  @Column({ name: 'current_step', type: 'integer', default: 0 })
  currentStep!: number;

  /** Bumped by every decision; deciders send the version they read. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Check(
  'approval_steps_status_known',
  `(status = ANY (ARRAY['waiting'::text, 'pending'::text, 'approved'::text, 'rejected'::text, 'skipped'::text]))`,
)
@Check('approval_steps_comment_length', `((comment IS NULL) OR (char_length(comment) <= 1000))`)
@Unique('approval_steps_one_approver_once', ['approvalId', 'approverId'])
@Entity({ name: 'approval_steps' })
export class ApprovalStepEntity {
  @PrimaryColumn({ name: 'approval_id', type: 'bigint' })
  approvalId!: string;

  @ManyToOne(() => ApprovalEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'approval_id', foreignKeyConstraintName: 'approval_steps_approval_id_fkey' })
  approval?: ApprovalEntity;

  /** 0-based order in which the steps run. */
  @PrimaryColumn({ type: 'integer' })
  position!: number;

  // The "todo" box, (approver_id, approval_id DESC) WHERE status = 'pending': beyond @Index, so the migration owns it.
  @Index('approval_steps_pending_approver_idx', { synchronize: false })
  @Column({ name: 'approver_id', type: 'bigint' })
  approverId!: string;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'approver_id', foreignKeyConstraintName: 'approval_steps_approver_id_fkey' })
  approver?: UserEntity;

  @Column({ type: 'text' })
  status!: ApprovalStepStatus;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  /** The approver, or the admin who decided in their place. */
  @Column({ name: 'decided_by', type: 'bigint', nullable: true })
  decidedBy!: string | null;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'approval_steps_decided_by_fkey' })
  decider?: UserEntity;
}
