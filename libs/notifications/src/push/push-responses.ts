import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PushResponse } from '@herald/contracts';
import type { ApiKeyInfo } from './api-keys.service';

/** Response shapes of the push and API-key routes, as classes for the OpenAPI document; `implements` binds them to their types. */
export class PushResultResponse implements PushResponse {
  @ApiProperty({ type: [String], example: ['1001'], description: 'Ids of the notifications created (the same for a repeated idempotency key)' }) ids!: string[];
  @ApiProperty({ example: 2, description: 'Active users reached' }) recipients!: number;
  @ApiProperty({ example: 1, description: 'Of them, online now (socket or SSE)' }) online!: number;
}

/** An item of a batch that was not written: its own error, as the single push would have answered it. */
export class PushItemErrorDetail {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'bad_request' }) code!: string;
  @ApiProperty({ example: 'to.userIds: no user with id 99.' }) message!: string;
  @ApiPropertyOptional({ example: 'to.userIds', description: 'The field of the item at fault, when one is' }) field?: string;
}

export class PushBatchItemResponse {
  @ApiPropertyOptional({ type: [String], example: ['1001'], description: 'Ids of the notifications created (absent on error)' }) ids?: string[];
  @ApiPropertyOptional({ example: 1, description: 'Active users reached (absent on error)' }) recipients?: number;
  @ApiPropertyOptional({ example: 1, description: 'Of them, online now (absent on error)' }) online?: number;
  @ApiPropertyOptional({ type: PushItemErrorDetail, description: 'Why this item was not written; the other items are unaffected' }) error?: PushItemErrorDetail;
}

export class PushBatchResponse {
  @ApiProperty({ type: [PushBatchItemResponse], description: 'One answer per item, in the order of the request' }) items!: PushBatchItemResponse[];
}

export class ApiKeyResponse implements ApiKeyInfo {
  @ApiProperty({ example: '1' }) id!: string;
  @ApiProperty({ example: 'legacy-erp' }) name!: string;
  @ApiProperty({ example: 'hk_3f9a', description: 'The first characters of the key, to tell keys apart' }) prefix!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse implements ApiKeyInfo {
  @ApiProperty({ description: 'The key itself, shown this once only: send it as X-Api-Key' }) key!: string;
}
