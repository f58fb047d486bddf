import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { HeraldConfig, METRICS_REGISTRY } from '@herald/common';
import { RedisConnection } from '@herald/database';
import { adapterErrorsCounter } from './realtime-metrics';
import { SafeRedisAdapter } from './safe-redis-adapter';

/** Socket.IO messages from clients are small acks and commands: anything larger is refused. */
export const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;

/** What engine.io's WebSocket transport holds: the `ws` socket, and under it the TCP socket. */
interface EngineWebSocketConnection {
  transport?: { name?: string; socket?: { _socket?: { cork(): void; uncork(): void } } };
}

/** The TCP socket corked for a connection's flush in progress, uncorked when that flush has handed over its packets. */
const corked = new WeakMap<object, { uncork(): void }>();

/**
 * Makes one flush of several packets to a WebSocket one write to the kernel. engine.io hands a
 * connection's queued packets to `ws` one frame at a time, and `ws` writes each frame at once: a
 * replay page of 500 notifications was about 500 `writev` calls, the largest part of its CPU. The
 * TCP socket is corked for the flush (engine.io's `flush` event comes just before it hands the
 * packets over, `drain` just after, in the same turn), so the frames leave in one `writev`. The
 * frames and their order are unchanged; a flush of one packet is left alone.
 */
export function coalesceFlushes(server: Server): void {
  server.engine.on('flush', (conn: EngineWebSocketConnection, packets: readonly unknown[]) => {
    if (packets.length < 2 || conn.transport?.name !== 'websocket') return;
    const tcp = conn.transport.socket?._socket;
    if (!tcp) return;
    tcp.cork();
    corked.set(conn, tcp);
  });
  server.engine.on('drain', (conn: EngineWebSocketConnection) => {
    const tcp = corked.get(conn);
    if (!tcp) return;
    corked.delete(conn);
    tcp.uncork();
  });
}

/**
 * Builds Herald's Socket.IO server: small message limit, configured CORS origins, and — when
 * REDIS_URL is set — the Redis Streams adapter that joins instances (room operations, disconnects
 * and server-side events reach every instance).
 */
export class HeraldIoAdapter extends IoAdapter {
  private readonly log = new Logger('SocketAdapter');
  private redisAdapter?: SafeRedisAdapter;

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
    // Every namespace's adapter: the shared Redis reader stops only when the last one is closed.
    for (const nsp of server._nsps.values()) await nsp.adapter.close();
    this.redisAdapter?.close();
    server.engine.close();
  }

  /**
   * Binds the gateways' message handlers to a socket with one plain listener each. Nest's own
   * binding builds an RxJS pipeline per handler per socket at connect time (fromEvent, mergeMap,
   * takeUntil on a shared disconnect stream): heap snapshots of 2,000 idle sockets showed 34.5 KB of heap
   * per socket with it and 19.6 KB without (94 and 25 anonymous closures per socket, 12 RxJS subscribers and none). Here
   * the pipeline is built only when a message comes, with the same outcome: the handler's result
   * (value, promise or observable) answers the ack, or is emitted when it names an `event`; nothing
   * is sent once the socket has disconnected; a handler that throws is logged.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        const { data, ack } = this.mapPayload(args.length > 1 ? args : args[0]);
        let results: Observable<unknown>;
        try {
          results = transform(callback(data, ack));
        } catch (err) {
          this.log.error(err);
          return;
        }
        results.subscribe({
          next: (response) => {
            if (response === null || response === undefined || !socket.connected) return;
            const event = (response as { event?: string; data?: unknown }).event;
            if (event) socket.emit(event, (response as { data?: unknown }).data);
            else if (!isAckHandledManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
          },
          error: (err: unknown) => this.log.error(err),
        });
      });
    }
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    const redis = this.context.get(RedisConnection, { strict: false });
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
      ...(redis.client
        ? { adapter: this.safeRedisAdapter(redis).factory({
              streamName: `${this.config.REDIS_PREFIX}:socket.io`,
              channelPrefix: `${this.config.REDIS_PREFIX}:socket.io`,
              // The stream reader blocks this long; shorter lets a stopping instance close its connection sooner.
              blockTimeInMs: 1000,
            }) }
        : {}),
    });
    coalesceFlushes(server);
    return server;
  }

  /** The Redis Streams adapter behind a guard: a Redis outage is counted and logged, never a crash. */
  private safeRedisAdapter(redis: RedisConnection): SafeRedisAdapter {
    const registry = this.context.get<symbol, Registry | undefined>(METRICS_REGISTRY, { strict: false });
    const errors = registry ? adapterErrorsCounter(registry) : undefined;
    let lastLog = 0;
    this.redisAdapter = new SafeRedisAdapter(redis, (reason, operation, err) => {
      errors?.inc({ reason });
      // At most one line a few seconds: under load an outage fails every publish.
      if (Date.now() - lastLog < 5000) return;
      lastLog = Date.now();
      const cause = err instanceof Error ? err.message : String(err);
      this.log.warn({ reason, operation, cause }, `Socket.IO adapter: ${operation} ${reason === 'refused' ? 'skipped, Redis is not ready' : 'failed'} (${cause}); local delivery is unaffected`);
    });
    return this.redisAdapter;
  }
}
