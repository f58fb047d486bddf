import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { LoginResponse, TokenPair } from '@herald/contracts';
import { AuthError } from './auth.errors';
import { AccessTokenService } from './tokens/access-token.service';
import { RefreshTokenService } from './tokens/refresh-token.service';
import { SessionEvents } from './session-events';
import { dummyPasswordHash, verifyPassword } from './users/password';
import { UserEntity } from './users/user.entity';
import { UsersService } from './users/users.service';

/** Who is calling, as the guard and the socket middleware establish it from the database. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  roles: UserEntity['roles'];
  /** Expiry of the access token that authenticated this call. */
  tokenExpiresAt: Date;
  /** The user's session epoch the token was issued in; a logout or password change moves it on. */
  sessionEpoch: number;
}

@Injectable()
export class AuthService {
  private readonly log = new Logger(AuthService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly sessions: SessionEvents,
  ) {}

  async login(username: string, password: string): Promise<LoginResponse> {
    const user = await this.users.findForLogin(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok) throw new AuthError('invalid_credentials', 'Wrong username or password.');
    if (user.disabled) throw new AuthError('user_disabled', 'This account is disabled; ask an administrator.');
    const pair = await this.issuePair(user);
    return { ...pair, user: { id: user.id, username: user.username, displayName: user.displayName, roles: user.roles } };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const result = await this.db.transaction(async (manager) => {
      const outcome = await this.refreshTokens.spend(refreshToken, manager);
      if (outcome.kind === 'invalid') return { error: 'Unknown, expired or revoked refresh token; log in again.' } as const;
      if (outcome.kind === 'reused') {
        // A spent token came back: someone holds a copy. End the whole session family and the user's access tokens.
        await this.refreshTokens.revokeFamily(outcome.familyId, manager);
        await manager.query(`UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, [outcome.userId]);
        await this.sessions.record(manager, { userId: outcome.userId, kind: 'revoked' });
        return { error: 'This refresh token was already used; the session has been revoked. Log in again.', revokedUser: outcome.userId } as const;
      }
      const user = await manager.getRepository(UserEntity).findOneBy({ id: outcome.userId });
      if (!user || user.disabled) return { error: 'This account is disabled; ask an administrator.' } as const;
      const token = await this.refreshTokens.issue(user.id, outcome.familyId, manager);
      return { user, token } as const;
    });
    if ('error' in result) {
      if ('revokedUser' in result && result.revokedUser) {
        this.log.warn({ userId: result.revokedUser }, 'refresh token reuse detected; session family revoked');
        this.sessions.publish({ userId: result.revokedUser, kind: 'revoked' });
      }
      throw new AuthError('invalid_token', result.error ?? 'Invalid refresh token.');
    }
    const access = this.accessTokens.issue(result.user.id, result.user.sessionEpoch);
    return { accessToken: access.token, refreshToken: result.token, expiresIn: this.accessTokens.ttlSeconds };
  }

  async logout(userId: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      await this.users.endAllSessions(userId, manager);
      await this.sessions.record(manager, { userId, kind: 'revoked' });
    });
    this.sessions.publish({ userId, kind: 'revoked' });
  }

  /**
   * Verifies an access token and loads its user as the database has it now. Refuses disabled
   * users and tokens issued before the user's sessions were ended.
   */
  async authenticate(token: string): Promise<AuthUser> {
    const claims = this.accessTokens.verify(token);
    const user = await this.users.findById(claims.sub);
    if (!user) throw new AuthError('invalid_token', 'The access token names an unknown user.');
    if (user.disabled) throw new AuthError('user_disabled', 'This account is disabled; ask an administrator.');
    if (user.sessionEpoch !== claims.ver) throw new AuthError('invalid_token', 'This session has ended; log in again.');
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      roles: user.roles,
      tokenExpiresAt: new Date(claims.exp * 1000),
      sessionEpoch: user.sessionEpoch,
    };
  }

  private async issuePair(user: UserEntity): Promise<TokenPair> {
    const refreshToken = await this.refreshTokens.issue(user.id);
    const access = this.accessTokens.issue(user.id, user.sessionEpoch);
    return { accessToken: access.token, refreshToken, expiresIn: this.accessTokens.ttlSeconds };
  }
}
