import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ROLES, USER_LIMITS as L, USERNAME_PATTERN, type Role } from '@herald/contracts';
import { IsNotBlank } from '@herald/common';

export class LoginDto {
  @ApiProperty({ example: 'alice', maxLength: L.usernameMaxLength })
  @IsString() @MinLength(1) @MaxLength(L.usernameMaxLength)
  username!: string;

  @ApiProperty({ example: 'herald-demo', maxLength: L.passwordMaxLength })
  @IsString() @MinLength(1) @MaxLength(L.passwordMaxLength)
  password!: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString() @MinLength(1) @MaxLength(256)
  refreshToken!: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'frank', description: '3-64 letters, digits, _ . or -; unique regardless of case' })
  @IsString() @Matches(USERNAME_PATTERN, { message: `username must be ${L.usernameMinLength}-${L.usernameMaxLength} letters, digits, _ . or -` })
  username!: string;

  @ApiProperty({ minLength: L.passwordMinLength, maxLength: L.passwordMaxLength })
  @IsString() @MinLength(L.passwordMinLength) @MaxLength(L.passwordMaxLength)
  password!: string;

  @ApiPropertyOptional({ example: 'Frank Li' })
  @IsOptional() @IsString() @MaxLength(L.displayNameMaxLength) @IsNotBlank()
  displayName?: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  @IsArray() @ArrayMaxSize(ROLES.length) @IsIn(ROLES, { each: true, message: `each role must be one of: ${ROLES.join(', ')}` })
  roles!: Role[];

  @ApiPropertyOptional({ example: 'frank@example.com', maxLength: 254, description: 'Where fallback emails go' })
  @IsOptional() @IsString() @MaxLength(254) @IsEmail({}, { message: 'email must be an email address' })
  email?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(L.displayNameMaxLength) @IsNotBlank()
  displayName?: string;

  @ApiPropertyOptional({ enum: ROLES, isArray: true })
  @IsOptional() @IsArray() @ArrayMaxSize(ROLES.length) @IsIn(ROLES, { each: true, message: `each role must be one of: ${ROLES.join(', ')}` })
  roles?: Role[];

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ minLength: L.passwordMinLength, maxLength: L.passwordMaxLength })
  @IsOptional() @IsString() @MinLength(L.passwordMinLength) @MaxLength(L.passwordMaxLength)
  password?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'frank@example.com', maxLength: 254, description: 'Where fallback emails go; null removes it' })
  @ValidateIf((o: UpdateUserDto) => o.email !== null && o.email !== undefined)
  @IsString() @MaxLength(254) @IsEmail({}, { message: 'email must be an email address' })
  email?: string | null;
}
