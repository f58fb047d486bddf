import { Global, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { createClient } from 'redis';
import { HERALD_CONFIG, HeraldConfig, withTimeout } from '@herald/common';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The Redis connection that joins instances (REDIS_URL), or none. Connected at start-up, so a wrong
 * REDIS_URL stops the process with a clear message; closed after the Socket.IO server.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly log = new Logger('Redis');
  client: RedisClient | null = null;

  constructor(private readonly config: HeraldConfig) {}

  async connect(): Promise<void> {
    if (!this.config.REDIS_URL) return;
    const client = createClient({
      url: this.config.REDIS_URL,
      socket: { connectTimeout: 5000, reconnectStrategy: (attempt) => Math.min(attempt * 200, 5000) },
    });
    client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'Redis connection error; retrying'));
    try {
      await client.connect();
    } catch (err) {
      await client.destroy();
      throw new Error(`Cannot connect to Redis at REDIS_URL (${(err as Error).message}); start Redis, or unset REDIS_URL to run a single instance.`);
    }
    this.client = client;
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

  /** For readiness: throws when Redis does not answer. */
  async ping(): Promise<void> {
    if (!this.client) throw new Error('not connected');
    await this.client.ping();
  }
}

/** Connected while the modules are built: the Socket.IO server (made before init hooks run) needs it. */
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
