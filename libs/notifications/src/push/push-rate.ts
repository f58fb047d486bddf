import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig, withTimeout } from '@herald/common';
import { RedisConnection } from '@herald/database';

/** Counts taken here are added to the shared Redis count this often (one call for every key that pushed). */
export const PUSH_RATE_SYNC_MS = 25;
/** A Redis that does not answer a sync within this is skipped for that round; the counts wait for the next one. */
const SYNC_ANSWER_MS = 500;
const WINDOW_MS = 1000;

/** Adds this instance's new hits to one key's window and answers the window's total over every instance. */
const ADD = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return total`;

interface KeyWindow {
  /** Which one-second window (epoch seconds, the same on every instance). */
  window: number;
  /** The window's total over every instance, as Redis last answered (this instance's synced hits included). */
  shared: number;
  /** Hits taken here not yet added to Redis. */
  pending: number;
}

export interface RateAnswer {
  allowed: boolean;
  /** Seconds until the window ends (for Retry-After). */
  retryAfter: number;
}

/** What the counter needs of Redis: one script call (the RedisConnection's client), or nothing while Redis is not there. */
export type SharedAdd = (key: string, hits: number, ttlMs: number) => Promise<number>;

/** Test hooks: a clock, and a Redis stand-in (always connected). */
export interface PushRateHooks {
  now?: () => number;
  add?: SharedAdd;
}

/**
 * PUSH_RATE_PER_SECOND per API key, shared by every instance, without a Redis round trip per push.
 *
 * One-second windows, the same on every instance (epoch seconds). A push is decided at once from what this
 * instance knows: the window's total over all instances as Redis last said, plus the hits taken here since.
 * Every PUSH_RATE_SYNC_MS the new hits of every key go to Redis in one call per key (INCRBY), whose answer is
 * the new shared total. So a key spread over N instances can pass its limit only by what the others accepted
 * within the last sync (about 25 ms of their traffic), and a Redis that is gone or frozen delays no push: each
 * instance then counts alone, as the exact counter did while Redis was unreachable.
 * (Logins and refreshes keep the exact per-request Redis counter: their limits are small and guard passwords.)
 */
@Injectable()
export class PushRate implements OnModuleDestroy {
  private readonly log = new Logger(PushRate.name);
  private readonly windows = new Map<string, KeyWindow>();
  private timer?: NodeJS.Timeout;
  private syncing = false;
  private readonly now: () => number;
  private readonly add?: SharedAdd;
  /** Whether a sync can reach Redis now; while it cannot, the hits stay counted here and no call is made. */
  private readonly canShare: () => boolean;
  private readonly prefix: string;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: Pick<HeraldConfig, 'PUSH_RATE_PER_SECOND' | 'REDIS_PREFIX'>,
    @Optional() redis?: RedisConnection,
    @Optional() @Inject('PUSH_RATE_TEST_HOOKS') hooks?: PushRateHooks,
  ) {
    this.now = hooks?.now ?? Date.now;
    this.canShare = hooks?.add ? () => true : () => redis?.client?.isReady === true;
    this.prefix = `${config.REDIS_PREFIX}:rate:push-window`;
    this.add =
      hooks?.add ??
      (redis
        ? async (key, hits, ttlMs) => {
            const client = redis.client;
            if (!client) throw new Error('Redis is not connected');
            const reply = await withTimeout(client.eval(ADD, { keys: [key], arguments: [String(hits), String(ttlMs)] }), SYNC_ANSWER_MS, undefined);
            if (reply === undefined) throw new Error(`Redis did not answer within ${SYNC_ANSWER_MS} ms`);
            return Number(reply);
          }
        : undefined);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Takes one push of `keyId` if the key's window has room. */
  take(keyId: string): RateAnswer {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    let w = this.windows.get(keyId);
    if (!w || w.window !== window) this.windows.set(keyId, (w = { window, shared: 0, pending: 0 }));
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    if (w.shared + w.pending >= this.config.PUSH_RATE_PER_SECOND) return { allowed: false, retryAfter };
    w.pending++;
    if (this.add && !this.timer) {
      this.timer = setInterval(() => void this.sync(), PUSH_RATE_SYNC_MS);
      this.timer.unref();
    }
    return { allowed: true, retryAfter };
  }

  /** Adds every key's new hits to Redis and adopts the shared totals; drops windows that are over. */
  async sync(): Promise<void> {
    if (this.syncing || !this.add) return;
    this.syncing = true;
    try {
      const window = Math.floor(this.now() / WINDOW_MS);
      const work: Array<Promise<void>> = [];
      for (const [keyId, w] of this.windows) {
        if (w.window < window) {
          this.windows.delete(keyId);
          continue;
        }
        if (!w.pending || !this.canShare()) continue;
        const hits = w.pending;
        w.pending = 0;
        work.push(
          this.add(`${this.prefix}:${keyId}:${w.window}`, hits, 2 * WINDOW_MS).then(
            (total) => {
              if (this.windows.get(keyId) === w) w.shared = Math.max(w.shared, total);
            },
            (err: Error) => {
              // Not counted in Redis: count them here again, and add them at the next sync.
              if (this.windows.get(keyId) === w) w.pending += hits;
              this.log.debug({ err: err.message }, 'push rate counts not shared this round');
            },
          ),
        );
      }
      await Promise.all(work);
      if (!this.windows.size) {
        // Nothing to share until the next push: no timer ticking on an idle instance.
        clearInterval(this.timer);
        this.timer = undefined;
      }
    } finally {
      this.syncing = false;
    }
  }
}
