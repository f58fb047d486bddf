import { ApiProperty } from '@nestjs/swagger';
import type { OutboxItemDto, OutboxPageDto } from './outbox-admin.dto';

/** Response shapes of the outbox admin routes, as classes for the OpenAPI document; `implements` binds them to their types. */
export class OutboxItemResponse implements OutboxItemDto {
  @ApiProperty({ example: '77' }) id!: string;
  @ApiProperty({ example: 'order.paid' }) type!: string;
  @ApiProperty({ example: '42' }) aggregateId!: string;
  @ApiProperty({ example: 3 }) attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) parkedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) parkedReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) processedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class OutboxPageResponse implements OutboxPageDto {
  @ApiProperty({ type: [OutboxItemResponse] }) items!: OutboxItemResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
