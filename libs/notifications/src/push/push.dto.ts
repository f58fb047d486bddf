import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { isValidId, PUSH_LIMITS as L } from '@herald/contracts';
import { ID_RULE, IsHeraldId } from '@herald/common';
import { ROOM_PATTERN } from '../rooms';
import { FallbackDto } from '../fallback/fallback.dto';

export const MAX_PUSH_USER_IDS = 1000;
export const MAX_PUSH_ROOMS = 50;
/** Size limit of `data`, as JSON: larger answers 413. */
export const MAX_PUSH_DATA_BYTES = 16 * 1024;

/** A room a push may address; the id of a `user:<id>` room follows the one id rule, like userIds. */
const isPushRoom = (room: unknown) =>
  typeof room === 'string' && ROOM_PATTERN.test(room) && (!room.startsWith('user:') || isValidId(room.slice('user:'.length)));

function IsPushRoom(options: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({ name: 'isPushRoom', target: target.constructor, propertyName, options, validator: { validate: isPushRoom } });
}

/**
 * A user id sent as a JSON number (what PHP's json_encode gives for an int) becomes its decimal
 * string when it is a safe positive integer; anything else (2.5, -1, > 2^53, true) is left as it
 * is, for the id rule to refuse.
 */
export function idsFromNumbers(value: unknown): unknown {
  return Array.isArray(value) ? value.map((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : v)) : value;
}

export class PushTargetDto {
  @ApiPropertyOptional({ type: [String], description: 'User ids, as strings or (safe, positive) integers' })
  @Transform(({ value }) => idsFromNumbers(value))
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_PUSH_USER_IDS)
  @IsHeraldId({ each: true, message: `each of to.userIds must be a user id (${ID_RULE})` })
  userIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Rooms: user:<id>, role:<role>, orders, approvals, all' })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_PUSH_ROOMS)
  @IsPushRoom({ each: true, message: `each of to.rooms must be user:<id> (${ID_RULE}), role:<role>, orders, approvals or all` })
  rooms?: string[];

  @ApiPropertyOptional({ description: 'Everyone' })
  @IsOptional() @Equals(true, { message: 'to.all may only be true' })
  all?: true;
}

export class PushDto {
  @ApiProperty({ type: PushTargetDto })
  @IsObject() @ValidateNested() @Type(() => PushTargetDto)
  to!: PushTargetDto;

  @ApiProperty({ example: 'payment.received', description: 'entity.verb, lower case' })
  @IsString() @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, { message: 'type must look like entity.verb (lower case, e.g. payment.received)' })
  @MaxLength(L.typeMaxLength)
  type!: string;

  @ApiProperty({ maxLength: L.titleMaxLength })
  @IsString() @MinLength(1) @MaxLength(L.titleMaxLength)
  title!: string;

  @ApiPropertyOptional({ maxLength: L.bodyMaxLength })
  @IsOptional() @IsString() @MaxLength(L.bodyMaxLength)
  body?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { invoice: 'INV-2026-0042', amount: '1200.00' }, description: `Free JSON object, at most ${MAX_PUSH_DATA_BYTES} bytes` })
  @IsOptional() @IsObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: L.idempotencyKeyMaxLength, description: 'The same key twice creates one notification and answers the same' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(L.idempotencyKeyMaxLength)
  idempotencyKey?: string;

  @ApiPropertyOptional({ enum: ['normal', 'critical'], description: "normal when left out; critical ignores the recipients' mutes and quiet hours" })
  @IsOptional() @IsIn(['normal', 'critical'], { message: 'priority must be normal or critical' })
  priority?: 'normal' | 'critical';

  @ApiPropertyOptional({ type: FallbackDto, description: "Send it on by email or group robots to whoever has not read it after `after` seconds (else the type's admin default)" })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => FallbackDto)
  fallback?: FallbackDto;
}

/** Items of one POST /api/push/batch: written in one transaction. */
export const MAX_PUSH_BATCH_ITEMS = 1000;

export class PushBatchDto {
  @ApiProperty({ type: [PushDto], minItems: 1, maxItems: MAX_PUSH_BATCH_ITEMS, description: `1 to ${MAX_PUSH_BATCH_ITEMS} pushes, each as for POST /api/push` })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_PUSH_BATCH_ITEMS)
  @IsObject({ each: true, message: 'each of items must be a push request object' })
  @ValidateNested({ each: true }) @Type(() => PushDto)
  items!: PushDto[];
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'legacy-erp' })
  @IsString() @Matches(/^[A-Za-z0-9 _.:-]{1,100}$/, { message: 'name must be 1-100 letters, digits, spaces or _ . : -' })
  name!: string;
}
