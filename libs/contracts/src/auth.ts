import type { Role } from './roles';

export interface UserDto {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  /** Where fallback emails go; null when none. */
  email: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

/**
 * A refresh token presented again this soon after it was spent is taken for two tabs of one browser
 * refreshing at once, not for theft: 409 `refresh_token_raced`, nothing revoked, use the newer token.
 */
export const REFRESH_RACE_GRACE_SECONDS = 10;

export interface LoginResponse extends TokenPair {
  user: Pick<UserDto, 'id' | 'username' | 'displayName' | 'roles'>;
}
