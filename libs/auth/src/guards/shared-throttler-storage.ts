import { ThrottlerStorage } from '@nestjs/throttler';
import { withTimeout } from '@herald/common';
import type { RedisConnection } from '@herald/database';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A Redis that is connected but does not answer (stalled, partitioned) must not hold a request longer than this. */
const REDIS_ANSWER_MS = 1000;

/** One fixed window per key, and a block once the limit is passed; both expire on their own. */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return { hits, ttl, blocked }`;

interface LocalWindow {
  hits: number;
  windowEndsAt: number;
  blockedUntil: number;
}

/** Expired windows are swept at most this often, so the map holds only keys seen in the last window or block. */
const SWEEP_EVERY_MS = 10_000;

/**
 * The same fixed window and block as the Redis script, counted in this process: O(1) per request, whatever
 * the limit. (@nestjs/throttler's own in-memory storage keeps one timestamp per hit and filters them all on
 * every request: at a push limit of 10,000/s that is 10,000 entries scanned per push, about 50 us each.)
 */
export class LocalWindowCounters implements ThrottlerStorage {
  private readonly windows = new Map<string, LocalWindow>();
  private nextSweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Keys held (for tests: bounded by the keys seen in the last window or block). */
  get size(): number {
    return this.windows.size;
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    const id = `${throttlerName}\u0000${key}`;
    let w = this.windows.get(id);
    if (!w) this.windows.set(id, (w = { hits: 0, windowEndsAt: now + ttl, blockedUntil: 0 }));
    else if (now >= w.windowEndsAt) {
      w.hits = 0;
      w.windowEndsAt = now + ttl;
    }
    w.hits++;
    if (w.blockedUntil <= now && w.hits > limit) w.blockedUntil = now + blockDuration;
    const blockedMs = Math.max(0, w.blockedUntil - now);
    return Promise.resolve({
      totalHits: w.hits,
      timeToExpire: Math.max(0, Math.ceil((w.windowEndsAt - now) / 1000)),
      isBlocked: blockedMs > 0,
      timeToBlockExpire: Math.ceil(blockedMs / 1000),
    });
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    for (const [id, w] of this.windows) if (w.windowEndsAt <= now && w.blockedUntil <= now) this.windows.delete(id);
  }
}

/**
 * Rate-limit counters for @nestjs/throttler (logins, refreshes). With Redis (REDIS_URL) they are shared
 * by every instance, so a client cannot multiply its allowance by spreading requests over them;
 * without Redis, or while it is unreachable, each instance counts on its own.
 */
export class SharedThrottlerStorage implements ThrottlerStorage {
  private readonly local = new LocalWindowCounters();

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const client = this.redis.client;
    if (!client?.isReady) return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    const base = `${this.prefix}:rate:${throttlerName}:${key}`;
    try {
      const reply = (await withTimeout(
        client.eval(INCREMENT, {
          keys: [base, `${base}:blocked`],
          arguments: [String(ttl), String(limit), String(blockDuration)],
        }),
        REDIS_ANSWER_MS,
        undefined,
      )) as [number, number, number] | undefined;
      if (!reply) return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
      const [hits, ttlMs, blockedMs] = reply;
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)),
        isBlocked: blockedMs > 0,
        timeToBlockExpire: Math.max(0, Math.ceil(blockedMs / 1000)),
      };
    } catch {
      // Redis failed mid-call (or is gone): limit locally rather than refuse or wave everything through.
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }
}
