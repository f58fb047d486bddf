import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN, STREAM_POSITION_PATTERN } from '@herald/contracts';

export const MAX_READ_IDS = 500;

export class ListNotificationsQuery {
  @ApiPropertyOptional({ description: 'Only ids greater than this, oldest first' })
  @IsOptional() @Matches(STREAM_POSITION_PATTERN, { message: 'after must be a notification id' })
  after?: string;

  @ApiPropertyOptional({ description: 'Only ids smaller than this (the nextCursor of the previous page), newest first' })
  @IsOptional() @Matches(ID_PATTERN, { message: 'before must be a notification id' })
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit = 20;

  @ApiPropertyOptional({ description: 'Only unread notifications' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}

export class MarkReadDto {
  @ApiProperty({ type: [String], maxItems: MAX_READ_IDS })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_READ_IDS)
  @Matches(ID_PATTERN, { each: true, message: 'each id must be a notification id (a string of digits)' })
  ids!: string[];
}
