import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { REFRESH_RACE_GRACE_SECONDS } from '@herald/contracts';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export type RefreshOutcome =
  | { kind: 'rotated'; userId: string; familyId: string }
  | { kind: 'reused'; userId: string; familyId: string }
  /** Spent moments ago by another request of the same session (two tabs at once): not theft. */
  | { kind: 'raced' }
  | { kind: 'invalid' };

/**
 * Opaque refresh tokens with rotation: each token is good for one refresh. Presenting a spent
 * token again means it was copied, so its whole family is revoked — unless it was spent less than
 * REFRESH_RACE_GRACE_SECONDS ago, which is what two tabs refreshing at once look like. A family is one
 * login session (one device); its id is the access tokens' `sid`.
 */
@Injectable()
export class RefreshTokenService {
  private readonly ttlSeconds: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HERALD_CONFIG) config: HeraldConfig,
  ) {
    this.ttlSeconds = config.REFRESH_TOKEN_TTL;
  }

  async issue(userId: string, familyId: string = randomUUID(), manager: EntityManager = this.db.manager): Promise<string> {
    const token = `hrt_${randomBytes(32).toString('base64url')}`;
    await manager.query(
      `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [userId, familyId, sha256(token), this.ttlSeconds],
    );
    return token;
  }

  /** Spends `token` atomically: of two concurrent refreshes with one token, one rotates and the other is reuse. */
  async spend(token: string, manager: EntityManager): Promise<RefreshOutcome> {
    const hash = sha256(token);
    // Wrapped in a CTE because TypeORM answers a bare UPDATE … RETURNING with [rows, count], not rows.
    const spent: Array<{ user_id: string; family_id: string }> = await manager.query(
      `WITH spent AS (
         UPDATE refresh_tokens SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          RETURNING user_id, family_id)
       SELECT user_id, family_id FROM spent`,
      [hash],
    );
    if (spent.length === 1) return { kind: 'rotated', userId: String(spent[0].user_id), familyId: spent[0].family_id };
    const known: Array<{ user_id: string; family_id: string; used_at: Date | null; revoked_at: Date | null; raced: boolean }> = await manager.query(
      `SELECT user_id, family_id, used_at, revoked_at,
              (used_at > now() - make_interval(secs => $2) AND revoked_at IS NULL AND expires_at > now()) AS raced
         FROM refresh_tokens WHERE token_hash = $1`,
      [hash, REFRESH_RACE_GRACE_SECONDS],
    );
    if (known.length === 1 && known[0].raced) return { kind: 'raced' };
    if (known.length === 1 && known[0].used_at !== null) {
      return { kind: 'reused', userId: String(known[0].user_id), familyId: known[0].family_id };
    }
    return { kind: 'invalid' };
  }

  async revokeFamily(familyId: string, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [familyId]);
  }

  async revokeAllOfUser(userId: string, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
  }
}
