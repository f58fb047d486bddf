import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ID_RULE, IsHeraldId, IsStreamPosition } from '@herald/common';

export const MAX_READ_IDS = 500;

export class ListNotificationsQuery {
  @ApiPropertyOptional({ description: 'Only ids greater than this, oldest first' })
  @IsOptional() @IsStreamPosition()
  after?: string;

  @ApiPropertyOptional({ description: 'Only ids smaller than this (the nextCursor of the previous page), newest first' })
  @IsOptional() @IsHeraldId({ message: `before must be a notification id (${ID_RULE})` })
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit = 20;

  @ApiPropertyOptional({ description: 'Only unread notifications' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;

  @ApiPropertyOptional({ description: 'true: only archived notifications (left out otherwise)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'archived must be true or false' })
  archived?: boolean;
}

export class MarkReadDto {
  @ApiProperty({ type: [String], maxItems: MAX_READ_IDS })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_READ_IDS)
  @IsHeraldId({ each: true, message: `each id must be a notification id (${ID_RULE})` })
  ids!: string[];
}
