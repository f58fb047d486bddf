import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { APPROVAL_KINDS, APPROVAL_LIMITS as L, type ApprovalDecision, type ApprovalKind, type DecideRequest } from '@herald/contracts';
import { ID_RULE, IsHeraldId, IsMoney, IsNotBlank } from '@herald/common';

const DECISIONS: ApprovalDecision[] = ['approve', 'reject'];
// The limits live in @herald/contracts (APPROVAL_LIMITS), which the web form reads too.
export const MAX_APPROVERS = L.approversMax;
export const MAX_TITLE = L.titleMaxLength;

export class CreateApprovalDto {
  @ApiProperty({ enum: APPROVAL_KINDS })
  @IsIn(APPROVAL_KINDS, { message: `kind must be one of: ${APPROVAL_KINDS.join(', ')}` })
  kind!: ApprovalKind;

  // 150 leaves room for the "Approval requested: " prefix within a notification title (200).
  @ApiProperty({ example: 'New laptops for the support team', maxLength: MAX_TITLE })
  @IsString() @MinLength(1) @MaxLength(MAX_TITLE) @IsNotBlank()
  title!: string;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }], example: '2400.00', description: 'Required for purchase and expense; at most two decimals, ≥ 0' })
  @ValidateIf((o: CreateApprovalDto) => o.kind !== 'leave' || (o.amount !== undefined && o.amount !== null))
  @IsMoney({ message: 'amount must be a non-negative amount with at most two decimals, like 19.90 or "19.90" (required for purchase and expense)' })
  amount?: number | string | null;

  @ApiPropertyOptional({ type: String, maxLength: L.detailsMaxLength, nullable: true })
  @IsOptional() @IsString() @MaxLength(L.detailsMaxLength)
  details?: string | null;

  @ApiProperty({ type: [String], example: ['4'], description: '1-10 user ids of managers or admins, in the order they decide' })
  @IsArray() @ArrayMinSize(L.approversMin) @ArrayMaxSize(MAX_APPROVERS)
  @IsString({ each: true, message: 'each of approverIds must be a user id string, like "4"' })
  @IsHeraldId({ each: true, message: `each of approverIds must be a user id string, like "4" (${ID_RULE})` })
  @ArrayUnique({ message: 'approverIds must not name the same user twice' })
  approverIds!: string[];
}

export class DecisionDto {
  @ApiProperty({ enum: DECISIONS })
  @IsIn(DECISIONS, { message: 'decision must be approve or reject' })
  decision!: ApprovalDecision;

  @ApiPropertyOptional({ maxLength: L.commentMaxLength })
  @IsOptional() @IsString() @MaxLength(L.commentMaxLength)
  comment?: string;

  @ApiProperty({ description: 'The version you read; a stale one is refused with 409' })
  @IsInt() @Min(1)
  version!: number;
}

/** The `approvals:decide` socket payload: a decision plus the approval's id. */
export class DecideSocketDto extends DecisionDto implements DecideRequest {
  @IsString({ message: 'id must be an approval id string, like "12"' }) @IsHeraldId({ message: `id must be an approval id string, like "12" (${ID_RULE})` })
  id!: string;
}

export class WithdrawDto {
  @ApiPropertyOptional({ description: 'The version you read; when given, a stale one is refused with 409' })
  @IsOptional() @IsInt() @Min(1)
  version?: number;
}

export const APPROVAL_BOXES = ['mine', 'todo', 'all'] as const;
export type ApprovalBox = (typeof APPROVAL_BOXES)[number];

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);

export class ListApprovalsQuery {
  @ApiPropertyOptional({ enum: APPROVAL_BOXES, default: 'mine', description: 'mine: I applied; todo: waiting for my decision; all: admins only' })
  @IsOptional() @IsIn(APPROVAL_BOXES, { message: 'box must be one of: mine, todo, all' })
  box?: ApprovalBox;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Transform(toInt) @IsInt({ message: 'limit must be an integer from 1 to 100' }) @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}
