import { Logger, OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { Subscription } from 'rxjs';
import { isValidId, Rooms, SocketEvents, UNAVAILABLE, type Ack, type Notification } from '@herald/contracts';
import { AuthError, AuthService } from '@herald/auth';
import { InboxService, LiveSession, LiveSessions, MAX_READERS_PER_USER, readerOf, roomsForUser } from '@herald/notifications';
import { Presence } from './presence.service';
import { authenticateHandshake, handshakeError, HeraldServer, HeraldSocket, SocketData } from './socket-auth';
import { MAX_RATE_VIOLATIONS, MAX_UNKNOWN_EVENTS, SOCKET_EVENT_BURST, SOCKET_EVENTS_PER_SECOND, TokenBucket } from './socket-rate-limit';
import { SocketMetrics } from './socket-metrics';
import { SocketTransport } from './socket-transport';

const CLIENT_EVENTS = new Set<string>([SocketEvents.read, SocketEvents.authRefresh, SocketEvents.approvalsDecide]);

const dataOf = (socket: HeraldSocket): SocketData => socket.data;

/**
 * The Socket.IO gateway: authenticates the handshake, and hands each socket to a LiveSession (rooms,
 * replay-then-live, expiry, session rules, backpressure) through a SocketTransport. It only wires
 * sockets to services: answers client commands and batches live emits.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() server!: HeraldServer;
  private readonly log = new Logger(RealtimeGateway.name);
  private readonly sessions = new Map<string, LiveSession>();
  private unreadSub?: Subscription;
  private liveGroups: Array<{ n: Notification; socketIds: string[] }> = [];
  private readonly liveIndex = new Map<Notification, { n: Notification; socketIds: string[] }>();

  constructor(
    private readonly auth: AuthService,
    private readonly live: LiveSessions,
    private readonly inbox: InboxService,
    private readonly presence: Presence,
    private readonly metrics: SocketMetrics,
  ) {}

  /** Sockets connected to this instance (the `herald_sockets_connected` gauge). */
  get connectedCount(): number {
    return this.sessions.size;
  }

  afterInit(server: HeraldServer): void {
    server.use((socket, next) => {
      authenticateHandshake(socket, this.auth).then(
        ({ user, lastSeenId }) => {
          if (this.live.isFull(user.id)) {
            this.log.log({ code: 'too_many_sockets', userId: user.id }, 'socket handshake refused');
            this.metrics.handshakeRefused('too_many_sockets');
            return next(handshakeError('too_many_sockets', `At most ${MAX_READERS_PER_USER} live connections (sockets and streams) per user; close another tab or device.`));
          }
          socket.data = { user, rooms: roomsForUser(user.id, user.roles), lastSeenId } satisfies SocketData;
          next();
        },
        (err: Error) => {
          if (err.message === 'unauthorized' || err.message === 'bad_request') {
            // The code only: never the token.
            this.log.log({ code: (err as { data?: { code?: unknown } }).data?.code }, 'socket handshake refused');
            this.metrics.handshakeRefused(err);
            return next(err);
          }
          // Not the credentials: the database did not answer, or something broke. Retryable, and worth a log line.
          this.log.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'socket handshake refused as unavailable: the credentials could not be checked');
          this.metrics.handshakeRefused(UNAVAILABLE);
          next(handshakeError(UNAVAILABLE, 'The server could not check the credentials just now; retry in a moment.'));
        },
      );
    });
    this.presence.bind(server);
    this.unreadSub = this.inbox.unreadChanges$.subscribe(({ userId, count, upTo }) =>
      server.to(Rooms.user(userId)).emit(SocketEvents.unread, { count, upTo }),
    );
  }

  onModuleDestroy(): void {
    this.unreadSub?.unsubscribe();
    for (const session of this.sessions.values()) session.end('server_shutdown');
    this.sessions.clear();
  }

  async handleConnection(socket: HeraldSocket): Promise<void> {
    const data = dataOf(socket);
    if (!data?.user) return; // refused by the middleware
    const { user } = data;
    this.guardClientEvents(socket);
    const session = this.live.open(user, new SocketTransport(socket, (id, n) => this.queueLive(id, n)));
    if (!session) {
      // Another reader of the same user took the last place after the handshake was checked.
      socket.emit(SocketEvents.sessionClosed, { reason: 'unavailable', message: `At most ${MAX_READERS_PER_USER} live connections per user.` });
      socket.disconnect(true);
      return;
    }
    this.sessions.set(socket.id, session);
    void socket.join(data.rooms);
    try {
      const result = await session.start(data.lastSeenId);
      if (!socket.connected || session.closed) return;
      if (data.lastSeenId !== undefined) socket.emit(SocketEvents.replayDone, { count: result.replayed, lastId: result.lastId, position: result.position });
      socket.emit(SocketEvents.unread, await this.inbox.unreadCount(session.reader));
    } catch (err) {
      if (session.closed) return;
      this.log.warn({ err: (err as Error).message, userId: user.id }, 'could not start delivery to a socket; closing it so the client retries');
      session.end('unavailable');
    }
  }

  handleDisconnect(socket: HeraldSocket, reason?: string): void {
    this.metrics.disconnected(reason);
    const session = this.sessions.get(socket.id);
    if (!session) return;
    this.sessions.delete(socket.id);
    session.transportClosed();
  }

  @SubscribeMessage(SocketEvents.read)
  async markRead(@ConnectedSocket() socket: HeraldSocket, @MessageBody() body: unknown): Promise<Ack<{ unread: number; upTo: string }>> {
    const ids = (body as { ids?: unknown } | null)?.ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 500 || !ids.every(isValidId)) {
      return { ok: false, error: { code: 'bad_request', message: 'ids must be 1-500 notification ids (strings of digits within 64 bits).' } };
    }
    const session = this.sessions.get(socket.id);
    try {
      const { count, upTo } = await this.inbox.markRead(session?.reader ?? readerOf(dataOf(socket).user), ids);
      return { ok: true, unread: count, upTo };
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'notifications:read failed');
      return { ok: false, error: { code: 'internal', message: 'Could not mark the notifications read; try again.' } };
    }
  }

  @SubscribeMessage(SocketEvents.authRefresh)
  async refresh(@ConnectedSocket() socket: HeraldSocket, @MessageBody() body: unknown): Promise<Ack<{ expiresAt: string }>> {
    const token = (body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token === '') return { ok: false, error: { code: 'bad_request', message: 'token must be a non-empty string.' } };
    try {
      const user = await this.auth.authenticate(token);
      const session = this.sessions.get(socket.id);
      if (!session) return { ok: false, error: { code: 'unauthorized', message: 'This connection has no live session any more.' } };
      const outcome = session.refresh(user);
      if (outcome === 'other_user') return { ok: false, error: { code: 'forbidden', message: 'The token belongs to another user.' } };
      if (outcome === 'session_ended') return { ok: false, error: { code: 'invalid_token', message: 'This session has ended; log in again.' } };
      dataOf(socket).user = user;
      return { ok: true, expiresAt: user.tokenExpiresAt.toISOString() };
    } catch (err) {
      if (err instanceof AuthError) return { ok: false, error: { code: err.code === 'invalid_credentials' ? 'invalid_token' : err.code, message: err.message } };
      this.log.warn({ err: (err as Error).message }, 'auth:refresh failed');
      return { ok: false, error: { code: 'internal', message: 'Could not check the token; try again.' } };
    }
  }

  /**
   * Live notifications are grouped per (notification, room as the reader sees it) and sent once per
   * group to all its sockets in the same tick, so Socket.IO encodes each packet once, not once per socket.
   * Groups keep their order, so every socket still sees notifications in id order.
   */
  private queueLive(socketId: string, n: Notification): void {
    // Readers share one broadcast only when they are sent the very same object: the feed gives readers who see a
    // notification alike (same room, same read state) one object, and a reader whose copy differs (the actor's
    // arrives read) its own.
    let group = this.liveIndex.get(n);
    if (!group) {
      group = { n, socketIds: [] };
      this.liveIndex.set(n, group);
      if (this.liveGroups.push(group) === 1) queueMicrotask(() => this.flushLive());
    }
    group.socketIds.push(socketId);
  }

  private flushLive(): void {
    const groups = this.liveGroups;
    this.liveGroups = [];
    this.liveIndex.clear();
    const rooms = this.server.of('/').adapter.rooms;
    for (const g of groups) {
      // When the group is every socket of the room the notification is seen in (a broadcast to a room whose readers
      // are all live), it goes to that room: the adapter then walks one set instead of a room per socket (at 10,000
      // sockets that union cost twice the bare server's broadcast). A socket is in a group at most once.
      const members = rooms.get(g.n.room);
      if (members && members.size === g.socketIds.length && g.socketIds.every((id) => members.has(id))) {
        this.server.local.to(g.n.room).emit(SocketEvents.notification, g.n);
      } else {
        this.server.local.to(g.socketIds).emit(SocketEvents.notification, g.n);
      }
    }
  }

  /**
   * Every client event takes a token from the socket's bucket first, known or not; unknown events are
   * refused, and a socket that keeps sending them or keeps exceeding its rate is closed.
   */
  private guardClientEvents(socket: HeraldSocket): void {
    const bucket = new TokenBucket(SOCKET_EVENT_BURST, SOCKET_EVENTS_PER_SECOND);
    let violations = 0;
    let unknown = 0;
    socket.use(([event, ...args], next) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as (a: unknown) => void) : undefined;
      if (!bucket.take()) {
        if (++violations >= MAX_RATE_VIOLATIONS) return void socket.disconnect(true);
        ack?.({ ok: false, error: { code: 'rate_limited', message: `More than ${SOCKET_EVENTS_PER_SECOND} events per second; slow down.` } });
        return;
      }
      if (!CLIENT_EVENTS.has(event)) {
        if (++unknown >= MAX_UNKNOWN_EVENTS) return void socket.disconnect(true);
        ack?.({ ok: false, error: { code: 'bad_request', message: `Unknown event "${String(event).slice(0, 64)}"; rooms are decided by the server.` } });
        return;
      }
      next();
    });
  }
}
