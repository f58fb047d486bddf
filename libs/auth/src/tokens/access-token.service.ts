import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { AuthError } from '../auth.errors';

export const JWT_ISSUER = 'herald';
export const JWT_AUDIENCE = 'herald';
const ALGORITHM = 'HS256' as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface AccessClaims {
  /** User id. */
  sub: string;
  /** The user's session epoch when the token was issued. */
  ver: number;
  /** The login session (refresh-token family) the token belongs to; absent in tokens issued before sessions had ids. */
  sid?: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Issues and verifies access tokens: HS256 only, with issuer, audience and expiry checked. */
@Injectable()
export class AccessTokenService {
  /**
   * The secret as a KeyObject, made once: given a string, jsonwebtoken first tries it as a PEM public key (which
   * throws) and then makes a secret key, on every sign and verify. That was a quarter of a socket handshake's
   * authentication time in a profile (createPublicKey).
   */
  private readonly secret: KeyObject;
  readonly ttlSeconds: number;

  constructor(@Inject(HERALD_CONFIG) config: HeraldConfig) {
    if (!config.jwtSecret) throw new Error('JWT secret not resolved at boot');
    this.secret = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    this.ttlSeconds = config.ACCESS_TOKEN_TTL;
  }

  issue(userId: string, sessionEpoch: number, sessionId: string, ttlSeconds = this.ttlSeconds): { token: string; expiresAt: Date } {
    const token = jwt.sign({ ver: sessionEpoch, sid: sessionId }, this.secret, {
      algorithm: ALGORITHM,
      subject: userId,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: ttlSeconds,
      jwtid: randomUUID(),
    });
    const { exp } = jwt.decode(token) as AccessClaims;
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Throws AuthError `token_expired` or `invalid_token`; never trusts the token's own `alg`. */
  verify(token: string): AccessClaims {
    if (typeof token !== 'string' || token.length === 0) throw new AuthError('missing_token', 'An access token is required.');
    if (token.length > 4096) throw new AuthError('invalid_token', 'The access token is too long.');
    try {
      const claims = jwt.verify(token, this.secret, {
        algorithms: [ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      });
      if (typeof claims !== 'object' || typeof claims.sub !== 'string' || !/^\d{1,19}$/.test(claims.sub) || typeof claims.ver !== 'number' || typeof claims.exp !== 'number' || (claims.sid !== undefined && (typeof claims.sid !== 'string' || !UUID.test(claims.sid)))) {
        throw new AuthError('invalid_token', 'The access token is not a Herald access token.');
      }
      return claims as AccessClaims;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      if (err instanceof jwt.TokenExpiredError) throw new AuthError('token_expired', 'The access token has expired; refresh it.');
      throw new AuthError('invalid_token', 'The access token is invalid.');
    }
  }
}
