import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const OUTBOX_STATES = ['parked', 'pending', 'failed'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export class ListOutboxQuery {
  @ApiPropertyOptional({
    enum: OUTBOX_STATES,
    default: 'parked',
    description: 'parked: set aside, no rule can render them; pending: not dispatched yet; failed: pending rows that failed at least once and wait for their next attempt',
  })
  @IsOptional() @IsIn(OUTBOX_STATES, { message: `state must be one of: ${OUTBOX_STATES.join(', ')}` })
  state: OutboxState = 'parked';

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(100)
  limit = 50;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

/** One outbox row as the admin API shows it (never its payload: it may carry customer data). */
export interface OutboxItemDto {
  id: string;
  type: string;
  aggregateId: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  parkedAt: string | null;
  parkedReason: string | null;
  processedAt: string | null;
  createdAt: string;
}

export interface OutboxPageDto {
  items: OutboxItemDto[];
  nextCursor: string | null;
}
