import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { HTTP_ERROR_CODES, type ErrorBody, type FieldProblem } from '@herald/contracts';

/** One problem of a 400, as the OpenAPI document describes it. */
export class FieldProblemResponse implements FieldProblem {
  @ApiProperty({ example: 'items.0.qty', description: 'The property path; array elements by index' })
  field!: string;

  @ApiPropertyOptional({ example: 'max', description: 'The rule broken: maxLength, minLength, max, min, arrayMinSize, arrayMaxSize, isInt, notBlank, isMoney, whitelist (unknown field), required …' })
  rule?: string;

  @ApiPropertyOptional({ example: 1000000, description: 'The number in the rule, for maxLength, minLength, max, min, arrayMinSize and arrayMaxSize' })
  limit?: number;

  @ApiProperty({ example: 'items.0.qty: must not be greater than 1000000', description: 'This problem, for people (English)' })
  message!: string;
}

/** The one error shape of every 4xx/5xx answer, as the OpenAPI document describes it (bound to the contract by `implements`). */
export class ErrorResponse implements ErrorBody {
  @ApiProperty({ example: 400, description: 'The HTTP status, repeated' })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: "The status's reason phrase" })
  error!: string;

  @ApiProperty({ example: 'customer: must not be blank', description: 'What went wrong, for people; names the field for bad input' })
  message!: string;

  @ApiProperty({
    example: 'validation_failed',
    description: 'Stable machine-readable reason: branch on this, not on message. The status\'s own code (not_found, forbidden …) when nothing more precise applies',
    enum: HTTP_ERROR_CODES,
  })
  code!: string;

  @ApiPropertyOptional({ example: 'b7f3c2a0-1d2e-4f5a-9b8c-7d6e5f4a3b2c', description: 'This request\'s id: also in the X-Request-Id header and the logs' })
  requestId?: string;

  @ApiPropertyOptional({ example: 'customer', description: '400 about an input field: its property path (the first problem\'s)' })
  field?: string;

  @ApiPropertyOptional({ example: 'maxLength', description: '400: the rule the field broke (the first problem\'s)' })
  rule?: string;

  @ApiPropertyOptional({ example: 200, description: '400: the number in the rule (the first problem\'s)' })
  limit?: number;

  @ApiPropertyOptional({ type: [FieldProblemResponse], description: '400 from validation: every problem, in order' })
  errors?: FieldProblemResponse[];
}

/** The statuses Herald answers in the error shape, with what each means for a caller. */
const ERRORS = {
  400: { description: 'Bad input: the message names the field; code validation_failed with field, rule and limit (and errors, every problem) for programs', example: { statusCode: 400, error: 'Bad Request', message: 'customer: must be shorter than or equal to 200 characters', code: 'validation_failed', field: 'customer', rule: 'maxLength', limit: 200, errors: [{ field: 'customer', rule: 'maxLength', limit: 200, message: 'customer: must be shorter than or equal to 200 characters' }] } },
  401: { description: 'Missing, invalid or expired credentials', example: { statusCode: 401, error: 'Unauthorized', message: 'The access token has expired; refresh it.', code: 'token_expired' } },
  403: { description: 'Signed in, but not allowed for your roles or this resource', example: { statusCode: 403, error: 'Forbidden', message: 'This needs one of the roles: admin.', code: 'forbidden' } },
  404: { description: 'No such resource', example: { statusCode: 404, error: 'Not Found', message: 'No order 42.', code: 'not_found' } },
  409: { description: 'Stale version (code stale_version) or a state that does not allow it (illegal_transition): read again and retry', example: { statusCode: 409, error: 'Conflict', message: 'Order SO-2026-000042 is at version 4; you sent version 3. Reload the order and try again.', code: 'stale_version' } },
  413: { description: 'The body is too large', example: { statusCode: 413, error: 'Payload Too Large', message: 'data: at most 16384 bytes of JSON.', code: 'payload_too_large' } },
  429: { description: 'Too many requests: wait for Retry-After (seconds)', example: { statusCode: 429, error: 'Too Many Requests', message: 'Too many requests; try again in 30 s.', code: 'too_many_requests' } },
  503: { description: 'A dependency (the database) does not answer: retry after Retry-After', example: { statusCode: 503, error: 'Service Unavailable', message: 'The database cannot be reached right now; retry in a few seconds.', code: 'database_unavailable' } },
} as const;

export type ApiErrorStatus = keyof typeof ERRORS;

/** Documents error answers of a controller or route, each in the one error shape: `@ApiErrors(400, 401, 403)`. */
export function ApiErrors(...statuses: ApiErrorStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponse, FieldProblemResponse),
    ...statuses.map((status) => ApiResponse({ status, description: ERRORS[status].description, type: ErrorResponse, example: ERRORS[status].example })),
  );
}

/**
 * Marks a route as open to anyone in the OpenAPI document (`security: [{}]`, the empty requirement), as login,
 * refresh and health are. (`security: []` would say the same, but @nestjs/swagger drops empty arrays.)
 */
export function ApiNoSecurity(): MethodDecorator {
  return ApiSecurity({});
}
