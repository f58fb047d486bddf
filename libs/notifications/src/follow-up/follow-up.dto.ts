import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PUSH_LIMITS as L } from '@herald/contracts';
import type { NotificationPatch, NotificationReceipts, ReceiptItem, RecallResult } from '@herald/contracts';
import { ID_RULE, IsHeraldId } from '@herald/common';
import { MAX_READ_IDS } from '../inbox/inbox.dto';

export class ReceiptsQuery {
  @ApiPropertyOptional({ enum: ['read', 'unread', 'all'], default: 'all' })
  @IsOptional() @IsIn(['read', 'unread', 'all'], { message: 'state must be read, unread or all' })
  state: 'read' | 'unread' | 'all' = 'all';

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be a whole number' }) @Min(1) @Max(500)
  limit = 100;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page (a user id)' })
  @IsOptional() @IsHeraldId({ message: `cursor must be a user id (${ID_RULE})` })
  cursor?: string;
}

export class NotificationIdsDto {
  @ApiProperty({ type: [String], maxItems: MAX_READ_IDS })
  @IsArray({ message: 'ids must be an array of notification ids' }) @ArrayMinSize(1) @ArrayMaxSize(MAX_READ_IDS)
  @IsHeraldId({ each: true, message: `each id must be a notification id (${ID_RULE})` })
  ids!: string[];
}

/** PATCH /api/push/:id: validated like a push; at least one field. */
export class PatchPushDto implements NotificationPatch {
  @ApiPropertyOptional({ maxLength: L.titleMaxLength })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(L.titleMaxLength)
  title?: string;

  @ApiPropertyOptional({ maxLength: L.bodyMaxLength })
  @IsOptional() @IsString() @MaxLength(L.bodyMaxLength)
  body?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Replaces data as a whole; the same size limit as a push' })
  @IsOptional() @IsObject()
  data?: Record<string, unknown>;
}

export class ReceiptItemResponse implements ReceiptItem {
  @ApiProperty({ example: '42' }) userId!: string;
  @ApiProperty({ example: 'Bob Warehouse' }) displayName!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a live connection first got it (or, without one, when it was read)' })
  deliveredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt!: string | null;
}

export class ReceiptsResponse implements NotificationReceipts {
  @ApiProperty({ example: '1001' }) id!: string;
  @ApiProperty({ example: 12, description: 'Users in the addressed rooms when it was sent (the actor not counted)' }) recipients!: number;
  @ApiProperty({ example: 10 }) delivered!: number;
  @ApiProperty({ example: 7 }) read!: number;
  @ApiProperty({ type: [ReceiptItemResponse], description: 'By user id' }) items!: ReceiptItemResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last one' }) nextCursor!: string | null;
}

export class RecallResponse implements RecallResult {
  @ApiProperty({ example: '1001' }) id!: string;
  @ApiProperty({ format: 'date-time', description: 'When it was first recalled (the same on a repeat)' }) recalledAt!: string;
}

export class UnseenResponse {
  @ApiProperty({ example: 2, description: 'Unread notifications not seen yet (at most 999)' }) unseen!: number;
}

export class SeenAllResponse extends UnseenResponse {
  @ApiProperty({ example: '1041', description: 'Everything up to this id is seen' }) upTo!: string;
}

export class ArchivedResponse {
  @ApiProperty({ type: [String], description: 'The ids whose state changed (others were already so, or are not yours to see)' }) ids!: string[];
}
