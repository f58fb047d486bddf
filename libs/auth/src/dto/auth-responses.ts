import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type LoginResponse, type Role, type TokenPair, type UserDto } from '@herald/contracts';

/** Response shapes of the auth and user routes, as classes for the OpenAPI document; `implements` binds them to the contracts. */
export class UserResponse implements UserDto {
  @ApiProperty({ example: '2' }) id!: string;
  @ApiProperty({ example: 'alice' }) username!: string;
  @ApiProperty({ example: 'Alice Wang' }) displayName!: string;
  @ApiProperty({ enum: ROLES, isArray: true, example: ['sales'] }) roles!: Role[];
  @ApiProperty({ example: false }) disabled!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'alice@example.com', description: 'Where fallback emails go' }) email!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class TokenPairResponse implements TokenPair {
  @ApiProperty({ description: 'JWT for the Authorization: Bearer header' }) accessToken!: string;
  @ApiProperty({ description: 'Spend once at /api/auth/refresh for a new pair' }) refreshToken!: string;
  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' }) expiresIn!: number;
}

export class LoginUserResponse implements Pick<UserDto, 'id' | 'username' | 'displayName' | 'roles'> {
  @ApiProperty({ example: '2' }) id!: string;
  @ApiProperty({ example: 'alice' }) username!: string;
  @ApiProperty({ example: 'Alice Wang' }) displayName!: string;
  @ApiProperty({ enum: ROLES, isArray: true, example: ['sales'] }) roles!: Role[];
}

export class LoginResponseDto extends TokenPairResponse implements LoginResponse {
  @ApiProperty({ type: LoginUserResponse }) user!: LoginUserResponse;
}
