import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** The first characters of the key, to tell keys apart; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface ApiKeyCaller {
  id: string;
  name: string;
}

interface KeyRow {
  id: string;
  name: string;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
const toInfo = (r: KeyRow): ApiKeyInfo => ({
  id: String(r.id),
  name: r.name,
  prefix: r.key_prefix,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});
/** last_used_at is written at most this often per key, so pushes do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** API keys of other backend systems: shown once at creation, stored as SHA-256, revocable. */
@Injectable()
export class ApiKeysService {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(name: string, createdBy: string | null, key = `hk_${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`): Promise<ApiKeyInfo & { key: string }> {
    const [row]: KeyRow[] = await this.db.query(
      `INSERT INTO api_keys (name, key_hash, key_prefix, created_by) VALUES ($1, $2, $3, $4)
       RETURNING id, name, key_prefix, created_at, last_used_at, revoked_at`,
      [name, hashKey(key), key.slice(0, 11), createdBy],
    );
    return { ...toInfo(row), key };
  }

  /**
   * The demo key is derived from the server's secret, so it is the same on every start of one demo
   * installation and can be printed again; it is created when missing.
   */
  async ensureDemoKey(secret: string): Promise<string> {
    const key = `hk_demo_${createHmac('sha256', secret).update('herald demo api key').digest('base64url').slice(0, 32)}`;
    await this.db.query(
      `INSERT INTO api_keys (name, key_hash, key_prefix) VALUES ('demo', $1, $2) ON CONFLICT (key_hash) DO NOTHING`,
      [hashKey(key), key.slice(0, 11)],
    );
    return key;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows: KeyRow[] = await this.db.query(
      `SELECT id, name, key_prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id`,
    );
    return rows.map(toInfo);
  }

  async revoke(id: string): Promise<void> {
    const rows: unknown[] = await this.db.query(
      `WITH revoked AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id) SELECT id FROM revoked`,
      [id],
    );
    if (!rows.length) throw new NotFoundException(`No API key with id ${id}.`);
  }

  /** The caller behind a presented key, or null when it is unknown or revoked. */
  async verify(key: string): Promise<ApiKeyCaller | null> {
    if (key.length > 200) return null;
    const [row]: Array<{ id: string; name: string }> = await this.db.query(
      `SELECT id, name FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashKey(key)],
    );
    if (!row) return null;
    const id = String(row.id);
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(id) ?? 0) > LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(id, now);
      await this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [id]);
    }
    return { id, name: row.name };
  }
}
