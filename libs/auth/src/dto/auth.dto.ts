import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@herald/contracts';

export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString() @MinLength(1) @MaxLength(64)
  username!: string;

  @ApiProperty({ example: 'herald-demo' })
  @IsString() @MinLength(1) @MaxLength(128)
  password!: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString() @MinLength(1) @MaxLength(256)
  refreshToken!: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'frank', description: '3-64 letters, digits, _ . or -; unique regardless of case' })
  @IsString() @Matches(/^[A-Za-z0-9_.-]{3,64}$/, { message: 'username must be 3-64 letters, digits, _ . or -' })
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString() @MinLength(8) @MaxLength(128)
  password!: string;

  @ApiPropertyOptional({ example: 'Frank Li' })
  @IsOptional() @IsString() @MaxLength(128) @Matches(/\S/, { message: 'displayName must not be blank' })
  displayName?: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  @IsArray() @ArrayMaxSize(ROLES.length) @IsIn(ROLES, { each: true, message: `each role must be one of: ${ROLES.join(', ')}` })
  roles!: Role[];
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(128) @Matches(/\S/, { message: 'displayName must not be blank' })
  displayName?: string;

  @ApiPropertyOptional({ enum: ROLES, isArray: true })
  @IsOptional() @IsArray() @ArrayMaxSize(ROLES.length) @IsIn(ROLES, { each: true, message: `each role must be one of: ${ROLES.join(', ')}` })
  roles?: Role[];

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ minLength: 8, maxLength: 128 })
  @IsOptional() @IsString() @MinLength(8) @MaxLength(128)
  password?: string;
}
