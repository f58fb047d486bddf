import { HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { REFRESH_RACE_GRACE_SECONDS, type LoginResponse, type TokenPair } from '@herald/contracts';
import { AuthError } from './auth.errors';
import { AccessClaims, AccessTokenService } from './tokens/access-token.service';
import { RefreshTokenService } from './tokens/refresh-token.service';
import { SessionEvents } from './session-events';
import { dummyPasswordHash, verifyPassword } from './users/password';
import { UserEntity } from './users/user.entity';
import { UsersService } from './users/users.service';
import { named } from '@herald/database';

/** What authenticating a token reads of its user. */
type TokenUser = Pick<UserEntity, 'id' | 'username' | 'displayName' | 'roles' | 'disabled' | 'sessionEpoch'>;

interface TokenUserRow {
  id: string;
  username: string;
  display_name: string;
  roles: UserEntity['roles'];
  disabled: boolean;
  session_epoch: number;
  session_alive: boolean;
}

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
  /** The login session (refresh-token family, one device) of the token; null for tokens from before sessions had ids. */
  sessionId: string | null;
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
      if (outcome.kind === 'raced') return { raced: true } as const;
      if (outcome.kind === 'reused') {
        // A spent token came back: someone holds a copy. End that session (family) and its access tokens; other devices go on.
        const ended = { userId: outcome.userId, kind: 'session_ended', sessionId: outcome.familyId } as const;
        await this.refreshTokens.revokeFamily(outcome.familyId, manager);
        await this.sessions.record(manager, ended);
        return { error: 'This refresh token was already used; the session has been revoked. Log in again.', ended } as const;
      }
      const user = await manager.getRepository(UserEntity).findOneBy({ id: outcome.userId });
      if (!user || user.disabled) return { error: 'This account is disabled; ask an administrator.' } as const;
      const token = await this.refreshTokens.issue(user.id, outcome.familyId, manager);
      return { user, token, familyId: outcome.familyId } as const;
    });
    if ('raced' in result) {
      throw new HttpException(
        {
          statusCode: 409,
          error: 'Conflict',
          message: `This refresh token was spent by another request of the same session less than ${REFRESH_RACE_GRACE_SECONDS} s ago; use the newer token (nothing was revoked).`,
          code: 'refresh_token_raced',
        },
        HttpStatus.CONFLICT,
      );
    }
    if ('error' in result) {
      if ('ended' in result && result.ended) {
        this.log.warn({ userId: result.ended.userId }, 'refresh token reuse detected; session family revoked');
        this.sessions.publish(result.ended);
      }
      throw new AuthError('invalid_token', result.error ?? 'Invalid refresh token.');
    }
    const access = this.accessTokens.issue(result.user.id, result.user.sessionEpoch, result.familyId);
    return { accessToken: access.token, refreshToken: result.token, expiresIn: this.accessTokens.ttlSeconds };
  }

  /**
   * Signs this device out: its session (refresh-token family) is revoked, its access tokens stop
   * working and its live readers close; the user's other devices go on. A token from before sessions
   * had ids cannot name its session, so it signs out everywhere as logout did then.
   */
  async logout(user: AuthUser): Promise<void> {
    if (!user.sessionId) return this.logoutAll(user.id);
    const ended = { userId: user.id, kind: 'session_ended', sessionId: user.sessionId } as const;
    await this.db.transaction(async (manager) => {
      await this.refreshTokens.revokeFamily(ended.sessionId, manager);
      await this.sessions.record(manager, ended);
    });
    this.sessions.publish(ended);
  }

  /** Signs out everywhere: every refresh token revoked, the session epoch moved on, every live reader closed. */
  async logoutAll(userId: string): Promise<void> {
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
    const { user, sessionAlive } = await this.loadForToken(claims);
    if (!user) throw new AuthError('invalid_token', 'The access token names an unknown user.');
    if (user.disabled) throw new AuthError('user_disabled', 'This account is disabled; ask an administrator.');
    if (user.sessionEpoch !== claims.ver) throw new AuthError('invalid_token', 'This session has ended; log in again.');
    if (!sessionAlive) {
      throw new AuthError('invalid_token', 'This device signed out (or its session was revoked); log in again.');
    }
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      roles: user.roles,
      tokenExpiresAt: new Date(claims.exp * 1000),
      sessionEpoch: user.sessionEpoch,
      sessionId: claims.sid ?? null,
    };
  }

  /**
   * The token's user and whether its session (refresh-token family) is still alive, in one round trip. Every
   * authenticated request and socket handshake asks this, so it is one prepared statement rather than a
   * TypeORM query builder (that path took about 70 us of main-thread time per handshake in the 10,000-socket
   * bench profile, sending the query included).
   */
  private async loadForToken(claims: AccessClaims): Promise<{ user: TokenUser | null; sessionAlive: boolean }> {
    const rows: TokenUserRow[] = await this.db.query(
      named(
        this.db,
        `SELECT u.id::text AS id, u.username, u.display_name, u.roles, u.disabled, u.session_epoch,
                $2::uuid IS NULL OR EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = $2::uuid AND r.revoked_at IS NULL) AS session_alive
           FROM users u WHERE u.id = $1::bigint`,
      ),
      [claims.sub, claims.sid ?? null],
    );
    const row = rows[0];
    if (!row) return { user: null, sessionAlive: false };
    return {
      user: { id: row.id, username: row.username, displayName: row.display_name, roles: row.roles, disabled: row.disabled, sessionEpoch: row.session_epoch },
      sessionAlive: row.session_alive,
    };
  }

  private async issuePair(user: UserEntity): Promise<TokenPair> {
    const sessionId = randomUUID();
    const refreshToken = await this.refreshTokens.issue(user.id, sessionId);
    const access = this.accessTokens.issue(user.id, user.sessionEpoch, sessionId);
    return { accessToken: access.token, refreshToken, expiresIn: this.accessTokens.ttlSeconds };
  }
}
