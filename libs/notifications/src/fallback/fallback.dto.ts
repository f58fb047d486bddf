import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsHeraldId } from '@herald/common';
import { CHANNEL_KINDS, type ChannelKind } from './channel-kinds';

/** At most a week: a fallback is about a notice nobody read, not a scheduler. */
export const MAX_FALLBACK_AFTER_SECONDS = 7 * 24 * 3600;
export const MAX_FALLBACK_CHANNELS = 10;
/** A channel reference in a fallback: `email`, a channel's name or its id. */
export const CHANNEL_REF = /^[A-Za-z0-9 _.:-]{1,100}$/;
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,99}$/;

export class FallbackDto {
  @ApiProperty({ example: 600, minimum: 0, maximum: MAX_FALLBACK_AFTER_SECONDS, description: 'Seconds the notification may stay unread before the fallback goes out' })
  @IsInt() @Min(0) @Max(MAX_FALLBACK_AFTER_SECONDS)
  after!: number;

  @ApiProperty({ type: [String], example: ['email', 'ops-dingtalk'], description: '"email" (each unread recipient with an email), or channels by name or id (one message per group robot or webhook)' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_FALLBACK_CHANNELS)
  @IsString({ each: true }) @Matches(CHANNEL_REF, { each: true, message: 'each of channels must be "email", a channel name or a channel id' })
  channels!: string[];
}

export class CreateChannelDto {
  @ApiProperty({ enum: CHANNEL_KINDS })
  @IsIn(CHANNEL_KINDS, { message: `kind must be one of: ${CHANNEL_KINDS.join(', ')}` })
  kind!: ChannelKind;

  @ApiProperty({ example: 'ops-dingtalk', description: '1-100 letters, digits, spaces or _ . : -, unique regardless of case; not "email" and not all digits' })
  @IsString() @Matches(CHANNEL_NAME, { message: 'name must be 1-100 letters, digits, spaces or _ . : -, starting with a letter or digit' })
  name!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { url: 'https://oapi.dingtalk.com/robot/send?access_token=…', secret: 'SEC…' },
    description: 'email: {smtpUrl?, from?}; dingtalk/feishu: {url, secret?}; wecom: {url} (with ?key=); webhook: {url, secret (16+ characters)}',
  })
  @IsObject()
  config!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'true when left out' })
  @IsOptional() @IsBoolean()
  enabled?: boolean;
}

export class UpdateChannelDto {
  @ApiPropertyOptional({ example: 'ops-dingtalk' })
  @IsOptional() @IsString() @Matches(CHANNEL_NAME, { message: 'name must be 1-100 letters, digits, spaces or _ . : -, starting with a letter or digit' })
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Merged into the current config: a secret left out (or sent back masked) is kept' })
  @IsOptional() @IsObject()
  config?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  enabled?: boolean;
}

export class FallbackDefaultDto {
  @ApiProperty({ example: 900, minimum: 0, maximum: MAX_FALLBACK_AFTER_SECONDS })
  @IsInt() @Min(0) @Max(MAX_FALLBACK_AFTER_SECONDS)
  after!: number;

  @ApiProperty({ type: [String], example: ['email'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_FALLBACK_CHANNELS)
  @IsString({ each: true }) @Matches(CHANNEL_REF, { each: true, message: 'each of channels must be "email", a channel name or a channel id' })
  channels!: string[];
}

export const DELIVERY_STATUSES = ['pending', 'sent', 'parked', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class ListDeliveriesQuery {
  @ApiPropertyOptional({ example: '42' })
  @IsOptional() @IsHeraldId({ message: 'notificationId must be a notification id' })
  notificationId?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional() @IsIn(DELIVERY_STATUSES, { message: `status must be one of: ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(200)
  limit = 50;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(20) @Matches(/^\d+$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export interface ChannelDto {
  id: string;
  kind: ChannelKind;
  name: string;
  config: Record<string, string>;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface FallbackDefaultView {
  type: string;
  after: number;
  channels: string[];
}

export interface DeliveryDto {
  id: string;
  notificationId: string;
  channelId: string | null;
  channelKind: ChannelKind;
  channelName: string;
  userId: string | null;
  recipient: string;
  unreadCount: number | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  heldUntil: string | null;
  lastError: string | null;
  remoteStatus: number | null;
  remoteAnswer: string | null;
  parkedReason: string | null;
  sentAt: string | null;
  createdAt: string;
}

export interface DeliveryPageDto {
  items: DeliveryDto[];
  nextCursor: string | null;
}
