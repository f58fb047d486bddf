import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { Server, ServerOptions } from 'socket.io';
import type { HeraldConfig } from '@herald/common';

/** Socket.IO messages from clients are small acks and commands: anything larger is refused. */
export const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;

/**
 * Builds Herald's Socket.IO server: small message limit, configured CORS origins, and — when
 * REDIS_URL is set — the Redis Streams adapter that joins instances (room operations, disconnects
 * and broadcasts reach sockets on every instance).
 */
export class HeraldIoAdapter extends IoAdapter {
  private readonly log = new Logger('SocketIO');
  private redis?: ReturnType<typeof createClient>;

  constructor(
    app: INestApplicationContext,
    private readonly config: HeraldConfig,
  ) {
    super(app);
  }

  /** Connects to Redis before the server is built, so a wrong REDIS_URL stops start-up with a clear error. */
  async connectRedis(): Promise<void> {
    if (!this.config.REDIS_URL) return;
    const client = createClient({ url: this.config.REDIS_URL, socket: { connectTimeout: 5000, reconnectStrategy: (n) => Math.min(n * 200, 5000) } });
    client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'Redis connection error'));
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`Cannot connect to Redis at REDIS_URL (${(err as Error).message}); check that it runs, or unset REDIS_URL to run a single instance.`);
    }
    this.redis = client;
  }

  get redisClient(): ReturnType<typeof createClient> | undefined {
    return this.redis;
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    const server: Server = super.createIOServer(port, {
      ...(options as ServerOptions),
      serveClient: false,
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      connectTimeout: 10_000,
      cors: origins === '*' ? { origin: true, credentials: true } : origins.length ? { origin: origins, credentials: true } : undefined,
      ...(this.redis
        ? { adapter: createAdapter(this.redis, { streamName: `${this.config.REDIS_PREFIX}:socket.io`, channelPrefix: `${this.config.REDIS_PREFIX}:socket.io` }) }
        : {}),
    });
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    if (this.redis?.isOpen) await this.redis.quit().catch(() => undefined);
  }
}
