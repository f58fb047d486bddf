import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { ID_RULE, IsHeraldId } from '@herald/common';

/** Users one presence question may name (after duplicates are folded). */
export const MAX_PRESENCE_USER_IDS = 1000;

/** `?userIds=1,2,3` (or the parameter repeated) as a list with duplicates folded; anything else is left for the validators. */
function idList(value: unknown): unknown {
  const parts = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  return parts ? [...new Set(parts.flatMap((p) => p.split(',')))] : value;
}

export class PresenceQuery {
  @ApiProperty({ type: String, example: '1,2,3', description: `Comma-separated user ids, 1 to ${MAX_PRESENCE_USER_IDS}; duplicates are folded` })
  @Transform(({ value }) => idList(value))
  @IsArray({ message: 'userIds must be a comma-separated list of user ids' })
  @ArrayMinSize(1, { message: 'userIds must name at least one user id' })
  @ArrayMaxSize(MAX_PRESENCE_USER_IDS, { message: `userIds may name at most ${MAX_PRESENCE_USER_IDS} distinct user ids` })
  @IsHeraldId({ each: true, message: `each of userIds must be a user id (${ID_RULE})` })
  userIds!: string[];
}

export class PresenceResponseDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'boolean' }, example: { '1': true, '2': false } })
  online!: Record<string, boolean>;
}
