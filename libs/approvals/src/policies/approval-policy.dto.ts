import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { APPROVAL_KINDS, isValidId, type ApprovalKind, type ApprovalPolicyDto, type EscalationTarget } from '@herald/contracts';

/** Thirty days: a step that may wait longer before anyone is told needs no timer. */
export const MAX_POLICY_SECONDS = 30 * 24 * 3600;
export const MAX_ESCALATION_USERS = 20;

function isDelay(value: unknown): boolean {
  return value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_POLICY_SECONDS);
}

/** Seconds from 1 to MAX_POLICY_SECONDS, or null (disabled); required, so that a forgotten field is not read as "disable". */
function IsDelaySeconds(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isDelaySeconds',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a whole number of seconds from 1 to ${MAX_POLICY_SECONDS}, or null to disable`, ...options },
      validator: { validate: isDelay },
    });
}

export function isEscalationTarget(value: unknown): value is EscalationTarget {
  if (value === 'admins') return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const ids = (value as { userIds?: unknown }).userIds;
  return (
    keys.length === 1 &&
    keys[0] === 'userIds' &&
    Array.isArray(ids) &&
    ids.length >= 1 &&
    ids.length <= MAX_ESCALATION_USERS &&
    ids.every((id) => isValidId(id)) &&
    new Set(ids).size === ids.length
  );
}

function IsEscalationTarget(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isEscalationTarget',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be "admins" or {"userIds": [...]} with 1-${MAX_ESCALATION_USERS} distinct user id strings, like {"userIds": ["4"]}`,
        ...options,
      },
      validator: { validate: (value: unknown) => value === undefined || isEscalationTarget(value) },
    });
}

const DELAY_DOC = { type: 'integer', nullable: true, minimum: 1, maximum: MAX_POLICY_SECONDS } as const;
const TARGET_DOC = {
  oneOf: [
    { type: 'string', enum: ['admins'] },
    {
      type: 'object',
      properties: { userIds: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_ESCALATION_USERS, uniqueItems: true } },
      required: ['userIds'],
      additionalProperties: false,
    },
  ],
};

export class PutApprovalPolicyDto {
  @ApiProperty({ ...DELAY_DOC, example: 3600, description: 'Seconds a step may wait before its approver gets approval.reminder; null: no reminder' })
  @IsDelaySeconds()
  remindAfter!: number | null;

  @ApiProperty({ ...DELAY_DOC, example: 86400, description: 'Seconds a step may wait before approval.escalated goes to escalateTo and the applicant; null: no escalation. Greater than remindAfter when both are set' })
  @IsDelaySeconds()
  escalateAfter!: number | null;

  @ApiPropertyOptional({ ...TARGET_DOC, default: 'admins', description: 'Who hears the escalation besides the applicant: every admin, or these active users' })
  @IsEscalationTarget()
  escalateTo?: EscalationTarget;
}

export class ApprovalPolicyResponse implements ApprovalPolicyDto {
  @ApiProperty({ enum: APPROVAL_KINDS, example: 'purchase' }) kind!: ApprovalKind;
  @ApiProperty({ ...DELAY_DOC, example: 3600 }) remindAfter!: number | null;
  @ApiProperty({ ...DELAY_DOC, example: 86400 }) escalateAfter!: number | null;
  @ApiProperty({ ...TARGET_DOC, example: 'admins' }) escalateTo!: EscalationTarget;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while the kind has never been set' }) updatedAt!: string | null;
}

/** `:kind` of the policy routes: one of the approval kinds, or a 400 that lists them. */
@Injectable()
export class ParseApprovalKindPipe implements PipeTransform<string, ApprovalKind> {
  transform(value: string): ApprovalKind {
    if (!(APPROVAL_KINDS as readonly string[]).includes(value)) {
      throw new BadRequestException(`kind: must be one of ${APPROVAL_KINDS.join(', ')}, got ${JSON.stringify(String(value).slice(0, 40))}.`);
    }
    return value as ApprovalKind;
  }
}
