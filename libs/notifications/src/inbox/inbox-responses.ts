import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Notification, NotificationPage } from '@herald/contracts';

/** Response shapes of the inbox routes, as classes for the OpenAPI document; `implements` binds them to the contracts. */
export class NotificationResponse implements Notification {
  @ApiProperty({ example: '1001', description: 'Decimal string; grows in commit order' }) id!: string;
  @ApiProperty({ example: 'order.paid' }) type!: string;
  @ApiProperty({ example: 'Order SO-2026-000042 paid' }) title!: string;
  @ApiProperty({ example: 'ACME GmbH · 59.70' }) body!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Typed per type (see the contracts); free JSON for pushes' }) data!: Record<string, unknown>;
  @ApiProperty({ example: 'orders', description: 'The first addressed room that concerns the reader' }) room!: string;
  @ApiProperty({ example: 'orders', description: 'orders, approvals, or push:<api key name>' }) source!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt!: string | null;
  @ApiPropertyOptional({ example: 1, description: '1 when sent; each update in place adds one' }) version?: number;
  @ApiPropertyOptional({ format: 'date-time', description: 'When it was last updated in place' }) updatedAt?: string;
}

export class NotificationPageResponse implements NotificationPage {
  @ApiProperty({ type: [NotificationResponse] }) items!: NotificationResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as before for the next page; null on the last one' }) nextCursor!: string | null;
}

export class UnreadCountResponse {
  @ApiProperty({ example: 3 }) count!: number;
  @ApiProperty({ example: '1041', description: 'The count is exact for notification ids up to this one; add unread ones received with a higher id' })
  upTo!: string;
  @ApiProperty({ example: 2, description: 'Unread ones not seen yet (POST …/seen, seen-all); at most 999' }) unseen!: number;
}

export class UnreadAfterReadResponse {
  @ApiProperty({ example: 2, description: 'Unread notifications left' }) unread!: number;
  @ApiProperty({ example: '1041', description: 'The count is exact for notification ids up to this one' }) upTo!: string;
}

export class StreamTicketResponse {
  @ApiProperty({ description: 'One-use ticket for GET /api/notifications/stream?ticket=… (EventSource cannot send headers)' }) ticket!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}
