import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Server, ServerOptions } from 'socket.io';
import type { HeraldConfig } from '@herald/common';
import { RedisConnection } from '@herald/database';

/** Socket.IO messages from clients are small acks and commands: anything larger is refused. */
export const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;

/**
 * Builds Herald's Socket.IO server: small message limit, configured CORS origins, and — when
 * REDIS_URL is set — the Redis Streams adapter that joins instances (room operations, disconnects
 * and server-side events reach every instance).
 */
export class HeraldIoAdapter extends IoAdapter {
  constructor(
    private readonly context: INestApplicationContext,
    private readonly config: HeraldConfig,
  ) {
    super(context);
  }

  /**
   * With forceCloseConnections, Nest skips closing the Socket.IO server and leaves it to the HTTP
   * server's close; the Redis adapter's connections would then stay open. Close this instance's
   * sockets (not other instances'), the adapter and the engine here; Nest then ends what is left.
   */
  override async close(server: Server): Promise<void> {
    server.local.disconnectSockets(true);
    await server.of('/').adapter.close();
    server.engine.close();
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    const redis = this.context.get(RedisConnection, { strict: false }).client;
    return super.createIOServer(port, {
      ...(options as ServerOptions),
      serveClient: false,
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      connectTimeout: 10_000,
      cors: origins === '*' ? { origin: true, credentials: true } : origins.length ? { origin: origins, credentials: true } : undefined,
      ...(redis
        ? { adapter: createAdapter(redis, {
              streamName: `${this.config.REDIS_PREFIX}:socket.io`,
              channelPrefix: `${this.config.REDIS_PREFIX}:socket.io`,
              // The stream reader blocks this long; shorter lets a stopping instance close its connection sooner.
              blockTimeInMs: 1000,
            }) }
        : {}),
    });
  }
}
