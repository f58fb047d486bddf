import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Response shapes of the health routes, for the OpenAPI document. */
export class LivenessResponse {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status!: 'ok';
}

const INDICATORS = {
  type: 'object' as const,
  additionalProperties: { type: 'object', properties: { status: { type: 'string', example: 'up' }, message: { type: 'string' } }, required: ['status'] },
};

export class ReadinessResponse {
  @ApiProperty({ type: String, example: 'ok', description: 'ok, or degraded while Redis is unreachable (still 200)' }) status!: string;
  @ApiPropertyOptional({ ...INDICATORS, example: { database: { status: 'up' } } }) info?: Record<string, { status: string; message?: string }>;
  @ApiPropertyOptional({ ...INDICATORS, example: {} }) error?: Record<string, { status: string; message?: string }>;
  @ApiProperty({ ...INDICATORS, example: { database: { status: 'up' }, redis: { status: 'up' } } }) details!: Record<string, { status: string; message?: string }>;
}
