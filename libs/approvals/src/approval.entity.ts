import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ApprovalKind, ApprovalStatus, ApprovalStepStatus } from '@herald/contracts';

/** An OA request (purchase, expense, leave) that runs through ordered approval steps. */
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

  @Column({ name: 'applicant_id', type: 'bigint' })
  applicantId!: string;

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

@Entity({ name: 'approval_steps' })
export class ApprovalStepEntity {
  @PrimaryColumn({ name: 'approval_id', type: 'bigint' })
  approvalId!: string;

  /** 0-based order in which the steps run. */
  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ name: 'approver_id', type: 'bigint' })
  approverId!: string;

  @Column({ type: 'text' })
  status!: ApprovalStepStatus;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  /** The approver, or the admin who decided in their place. */
  @Column({ name: 'decided_by', type: 'bigint', nullable: true })
  decidedBy!: string | null;
}
