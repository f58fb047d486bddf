import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, hash as digest, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';

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

// One-shot digest: the same hex as createHash().update().digest(), without a Hash object per push.
const hashKey = (key: string) => digest('sha256', key, 'hex');
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
/**
 * The pg_notify channel of revocations (payload: the key's id), sent in the revoking transaction: every
 * instance drops the key from its cache when it commits.
 */
export const API_KEYS_CHANNEL = 'herald_api_keys';
/** A cached key is looked up again after this long anyway (a safety net; revocations are immediate). */
const KEY_CACHE_TTL_MS = 60_000;
/** How long a revocation's answer waits at most for the revocation to come back through LISTEN. */
const REVOCATION_ECHO_WAIT_MS = 1000;
/** Keys cached at most (valid ones only); the oldest goes first. */
const KEY_CACHE_MAX = 10_000;

/** API keys of other backend systems: shown once at creation, stored as SHA-256, revocable. */
@Injectable()
export class ApiKeysService {
  private readonly lastUsedWritten = new Map<string, number>();
  /** key hash → the caller and when it was read; valid keys only, so a push costs no lookup. */
  private readonly cache = new Map<string, { caller: ApiKeyCaller; at: number }>();
  /**
   * Whether revocations by other instances reach this one (its LISTEN connection is up), so caching is
   * safe. Always true with the embedded database, which has one process.
   */
  private revocationsHeard: boolean;
  /** Grows with every revocation heard and every change of revocationsHeard: a lookup that began before one is not cached. */
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {
    this.revocationsHeard = config.embeddedDatabase;
  }

  /** The LISTEN connection is up (true) or lost (false): a lost one may have missed revocations, so the cache goes. */
  setRevocationsHeard(heard: boolean): void {
    this.revocationsHeard = heard || this.config.embeddedDatabase;
    this.generation++;
    this.cache.clear();
  }

  /** A key was revoked (here, or on another instance): it is refused from the next request on. */
  forget(id: string): void {
    this.generation++;
    for (const [hash, entry] of this.cache) if (entry.caller.id === id) this.cache.delete(hash);
  }

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
    // A push is refused exactly: its write transaction reads the key's revoked_at (NotificationStore.lockWriter), so
    // no push written after this commit gets in, whatever a cache says. The caches are for the door and for reads
    // (presence): the answer waits (up to a second) for this instance's own listener to hear the revocation, by
    // which time PostgreSQL has sent it to every listener; another instance drops the key once its event loop reads it.
    const heard = this.revocationsHeard && !this.config.embeddedDatabase ? this.echoOf(id) : undefined;
    const rows: unknown[] = await this.db.query(
      `WITH revoked AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id)
       SELECT id, ${this.config.embeddedDatabase ? 'NULL' : `pg_notify('${API_KEYS_CHANNEL}', id::text)`} FROM revoked`,
      [id],
    );
    this.forget(id);
    if (!rows.length) {
      heard?.cancel();
      throw new NotFoundException(`No API key with id ${id}.`);
    }
    await heard?.promise;
  }

  private readonly echoes = new Map<string, Set<() => void>>();

  /** Resolves when the revocation of `id` comes back through LISTEN, or after a second at most. */
  private echoOf(id: string): { promise: Promise<void>; cancel: () => void } {
    let done!: () => void;
    const promise = new Promise<void>((resolve) => (done = resolve));
    const waiters = this.echoes.get(id) ?? new Set<() => void>();
    this.echoes.set(id, waiters);
    const timer = setTimeout(() => finish(), REVOCATION_ECHO_WAIT_MS);
    const finish = () => {
      clearTimeout(timer);
      waiters.delete(finish);
      if (!waiters.size) this.echoes.delete(id);
      done();
    };
    waiters.add(finish);
    return { promise, cancel: finish };
  }

  /** A revocation heard through LISTEN (this instance's own or another's). */
  revokedElsewhere(id: string): void {
    this.forget(id);
    for (const finish of [...(this.echoes.get(id) ?? [])]) finish();
  }

  /** The caller behind a presented key, or null when it is unknown or revoked. */
  async verify(key: string): Promise<ApiKeyCaller | null> {
    if (key.length > 200) return null;
    const hash = hashKey(key);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && now - cached.at < KEY_CACHE_TTL_MS && this.revocationsHeard) {
      await this.touch(cached.caller.id, now);
      return cached.caller;
    }
    const generation = this.generation;
    const [row]: Array<{ id: string; name: string }> = await this.db.query(
      `SELECT id, name FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    if (!row) {
      this.cache.delete(hash);
      return null;
    }
    const caller = { id: String(row.id), name: row.name };
    // Not cached when a revocation was heard during the lookup (its answer may predate it), nor while none can be heard.
    if (this.revocationsHeard && generation === this.generation) {
      this.cache.delete(hash);
      if (this.cache.size >= KEY_CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(hash, { caller, at: now });
    }
    await this.touch(caller.id, now);
    return caller;
  }

  private async touch(id: string, now: number): Promise<void> {
    if (now - (this.lastUsedWritten.get(id) ?? 0) > LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(id, now);
      await this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [id]);
    }
  }
}
