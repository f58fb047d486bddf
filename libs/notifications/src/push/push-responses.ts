import { ApiProperty } from '@nestjs/swagger';
import type { PushResponse } from '@herald/contracts';
import type { ApiKeyInfo } from './api-keys.service';

/** Response shapes of the push and API-key routes, as classes for the OpenAPI document; `implements` binds them to their types. */
export class PushResultResponse implements PushResponse {
  @ApiProperty({ type: [String], example: ['1001'], description: 'Ids of the notifications created (the same for a repeated idempotency key)' }) ids!: string[];
  @ApiProperty({ example: 2, description: 'Active users reached' }) recipients!: number;
  @ApiProperty({ example: 1, description: 'Of them, online now (socket or SSE)' }) online!: number;
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
