import { Global, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { createClient } from 'redis';
import { HERALD_CONFIG, HeraldConfig, withTimeout } from '@herald/common';

export type RedisClient = ReturnType<typeof createClient>;

/** How long start-up waits for the first connection attempt before going on without Redis. */
const CONNECT_TIMEOUT_MS = 5000;
/** Reconnect delays double from this, up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

/** host:port of a Redis URL, without credentials, for log lines. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}`;
  } catch {
    return 'an unparsable REDIS_URL';
  }
}

/** The most telling text of a connection error (Node's AggregateError of a dual-stack connect has no message). */
function describeCause(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: unknown[] } | undefined;
  if (e?.message) return e.message;
  if (e?.code) return e.code;
  if (e?.errors?.length) return describeCause(e.errors[0]);
  return String(err);
}

/** Next delay after `attempt` (0-based) failed attempts: 100, 200, 400 … 5000 ms. */
export function redisRetryDelay(attempt: number): number {
  return Math.min(RETRY_FIRST_MS * 2 ** Math.min(attempt, 16), RETRY_MAX_MS);
}

/**
 * The Redis connection that joins instances (REDIS_URL), or none. Redis is not needed for delivery
 * (every instance tails the database), so an unreachable Redis does not stop start-up: the client
 * keeps reconnecting, logging one warning per attempt, and whatever uses it checks `ready` first.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly log = new Logger('Redis');
  client: RedisClient | null = null;
  /** host:port, for logs and readiness. */
  address = '';
  private everReady = false;
  private readonly lostListeners = new Set<() => void>();

  constructor(private readonly config: HeraldConfig) {}

  /** Whether commands can be sent now (connected and handshaken); false without REDIS_URL. */
  get ready(): boolean {
    return this.client?.isReady === true;
  }

  async connect(): Promise<void> {
    const url = this.config.REDIS_URL;
    if (!url) return;
    this.address = redisAddress(url);
    let client: RedisClient;
    try {
      client = createClient({ url, socket: this.socketOptions(true) });
    } catch (err) {
      throw new Error(`REDIS_URL is not a usable Redis URL (${describeCause(err)}); expected redis://[user:password@]host[:port][/db].`);
    }
    // Failures are logged by the reconnect strategy, once per attempt; without a listener an 'error' would throw.
    client.on('error', (err: unknown) => {
      this.log.debug({ address: this.address, cause: describeCause(err) }, 'Redis client error');
      if (!client.isReady) for (const listener of this.lostListeners) listener();
    });
    client.on('ready', () => {
      this.log.log({ address: this.address }, this.everReady ? `Redis at ${this.address} is back` : `Connected to Redis at ${this.address}`);
      this.everReady = true;
    });
    this.client = client;
    const settled = new Promise<void>((resolve) => {
      client.once('ready', () => resolve());
      client.once('error', () => resolve());
    });
    client.connect().catch((err: unknown) => {
      // Only a reconnect strategy that gives up rejects here; ours never does, so this is a bug worth a line.
      this.log.error({ address: this.address, cause: describeCause(err) }, 'Redis client stopped reconnecting');
    });
    // Start with Redis when it answers at once; otherwise go on without it (it joins when it comes).
    await withTimeout(settled, CONNECT_TIMEOUT_MS, undefined);
    if (!client.isReady) {
      this.log.warn({ address: this.address }, `Redis at ${this.address} is not reachable: starting without it (delivery works; presence, shared rate limits and cross-instance events wait for it)`);
    }
  }

  /** Calls `listener` whenever the connection is lost (or a connection attempt fails); returns the unsubscribe. */
  onLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /**
   * A new client on the same Redis, not connected, that reconnects like this one but without a log
   * line per attempt (the Socket.IO adapter's extra connections: one warning per attempt is enough).
   */
  quietDuplicate(): RedisClient {
    if (!this.client) throw new Error('Redis is not configured (REDIS_URL is not set)');
    return this.client.duplicate({ socket: this.socketOptions(false) });
  }

  private socketOptions(logAttempts: boolean) {
    return {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (attempt: number, cause: Error) => {
        const retryInMs = redisRetryDelay(attempt);
        if (logAttempts) {
          this.log.warn(
            { address: this.address, attempt: attempt + 1, cause: describeCause(cause), retryInMs },
            `Redis at ${this.address} unreachable (${describeCause(cause)}); retrying in ${retryInMs} ms`,
          );
        }
        return retryInMs;
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client?.isOpen) return;
    // quit() waits for pending replies, and while Redis is down it would wait for a reconnect forever.
    if (!client.isReady) return client.destroy();
    const quit = await withTimeout(client.quit().then(() => true, () => false), 2000, false);
    if (!quit && client.isOpen) client.destroy();
  }

  /** For readiness: throws at once when Redis is not connected, and when it does not answer. */
  async ping(): Promise<void> {
    if (!this.client) throw new Error('not configured');
    if (!this.client.isReady) throw new Error(`not connected to ${this.address}; reconnecting`);
    await this.client.ping();
  }
}

/** Set up while the modules are built: the Socket.IO server (made before init hooks run) needs the client. */
export const redisConnectionProvider: Provider = {
  provide: RedisConnection,
  inject: [HERALD_CONFIG],
  useFactory: async (config: HeraldConfig) => {
    const connection = new RedisConnection(config);
    await connection.connect();
    return connection;
  },
};

/** The Redis connection, for every module (global): the Socket.IO adapter, shared rate limits, readiness. */
@Global()
@Module({ providers: [redisConnectionProvider], exports: [RedisConnection] })
export class RedisModule {}
