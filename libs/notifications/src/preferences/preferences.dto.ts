import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsObject, IsOptional, IsString, Matches, MaxLength, registerDecorator, ValidateIf, ValidateNested } from 'class-validator';
import { HH_MM, isIanaTimeZone, type QuietHours } from './quiet-hours';

export const MAX_MUTED = 100;
/** A muted type: `order.updated`, every type under a prefix (`payment.*`), or everything (`*`). */
export const MUTE_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;

/** The patterns that mute `type`: itself, each prefix with `.*`, and `*`. */
export function mutePatternsOf(type: string): string[] {
  const parts = type.split('.');
  const prefixes = parts.slice(0, -1).map((_, i) => `${parts.slice(0, i + 1).join('.')}.*`);
  return [type, ...prefixes, '*'];
}

function IsTimeZone() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName,
      options: { message: 'quietHours.timeZone must be an IANA time zone such as Asia/Shanghai' },
      validator: { validate: isIanaTimeZone },
    });
}

export class QuietHoursDto implements QuietHours {
  @ApiProperty({ example: '22:00', description: 'HH:MM, 24-hour clock' })
  @IsString() @Matches(HH_MM, { message: 'quietHours.start must be HH:MM (00:00-23:59)' })
  start!: string;

  @ApiProperty({ example: '08:00', description: 'HH:MM; before start means the window crosses midnight' })
  @IsString() @Matches(HH_MM, { message: 'quietHours.end must be HH:MM (00:00-23:59)' })
  end!: string;

  @ApiProperty({ example: 'Asia/Shanghai' })
  @IsString() @IsTimeZone()
  timeZone!: string;
}

export class FallbackPreferencesDto {
  @ApiPropertyOptional({ description: 'true when left out: send me an email when a notification stays unread (needs an email on my user)' })
  @IsOptional() @IsBoolean()
  email?: boolean;
}

export class PreferencesDto {
  @ApiPropertyOptional({ type: [String], example: ['order.updated', 'payment.*'], description: `Types that arrive already read, with no toast and no fallback; at most ${MAX_MUTED}` })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_MUTED)
  @IsString({ each: true }) @MaxLength(64, { each: true })
  @Matches(MUTE_PATTERN, { each: true, message: 'each of muted must be a type (order.updated), a prefix with .* (payment.*) or *' })
  muted?: string[];

  @ApiPropertyOptional({ type: FallbackPreferencesDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => FallbackPreferencesDto)
  fallback?: FallbackPreferencesDto;

  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true, description: 'Fallbacks wait until the window ends; null for none' })
  @ValidateIf((o: PreferencesDto) => o.quietHours !== null && o.quietHours !== undefined)
  @IsObject() @ValidateNested() @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;
}

export interface Preferences {
  muted: string[];
  fallback: { email: boolean };
  quietHours: QuietHours | null;
}

export class PreferencesResponse implements Preferences {
  @ApiProperty({ type: [String], example: ['order.updated'] }) muted!: string[];
  @ApiProperty({ example: { email: true } }) fallback!: { email: boolean };
  @ApiProperty({ type: QuietHoursDto, nullable: true }) quietHours!: QuietHours | null;
}
