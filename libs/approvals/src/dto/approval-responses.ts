import { ApiProperty } from '@nestjs/swagger';
import {
  APPROVAL_KINDS,
  APPROVAL_STATUSES,
  type ApprovalDto,
  type ApprovalKind,
  type ApprovalStatus,
  type ApprovalStepDto,
  type ApprovalStepStatus,
  type ApproverOption,
} from '@herald/contracts';
import type { ApprovalPage } from '../approvals.service';

const STEP_STATUSES: ApprovalStepStatus[] = ['waiting', 'pending', 'approved', 'rejected', 'skipped'];

/** Response shapes of the approval routes, as classes for the OpenAPI document; `implements` binds them to the contracts. */
export class ApprovalStepResponse implements ApprovalStepDto {
  @ApiProperty({ example: '4' }) approverId!: string;
  @ApiProperty({ example: 'Dave Chen' }) approverName!: string;
  @ApiProperty({ enum: STEP_STATUSES, example: 'pending' }) status!: ApprovalStepStatus;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Who decided: the approver, or an admin in their place' }) decidedBy!: string | null;
}

export class ApprovalResponse implements ApprovalDto {
  @ApiProperty({ example: '12' }) id!: string;
  @ApiProperty({ enum: APPROVAL_KINDS, example: 'purchase' }) kind!: ApprovalKind;
  @ApiProperty({ example: 'New laptops for the support team' }) title!: string;
  @ApiProperty({ type: String, nullable: true, example: '2400.00', description: 'Exact decimal; null for leave' }) amount!: string | null;
  @ApiProperty({ type: String, nullable: true }) details!: string | null;
  @ApiProperty({ example: '5' }) applicantId!: string;
  @ApiProperty({ example: 'Erin Zhao' }) applicantName!: string;
  @ApiProperty({ enum: APPROVAL_STATUSES, example: 'pending' }) status!: ApprovalStatus;
  @ApiProperty({ example: 0, description: 'Index of the step waiting for a decision (steps.length once finished)' }) currentStep!: number;
  @ApiProperty({ type: [ApprovalStepResponse] }) steps!: ApprovalStepResponse[];
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ApprovalPageResponse implements ApprovalPage {
  @ApiProperty({ type: [ApprovalResponse] }) items!: ApprovalResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last one' }) nextCursor!: string | null;
}

export class ApproverOptionResponse implements ApproverOption {
  @ApiProperty({ example: '4' }) id!: string;
  @ApiProperty({ example: 'dave' }) username!: string;
  @ApiProperty({ example: 'Dave Chen' }) displayName!: string;
}

export class TodoCountResponse {
  @ApiProperty({ example: 2, description: 'Pending requests whose current step waits for the caller' }) count!: number;
}
