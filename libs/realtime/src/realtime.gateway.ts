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
import type { Server, Socket } from 'socket.io';
import { ID_PATTERN, Rooms, SocketEvents, type Ack, type Notification } from '@herald/contracts';
import { AuthError, AuthService } from '@herald/auth';
import { FeedSubscriber, InboxService, NotificationFeed, readerOf, roomsForUser } from '@herald/notifications';
import { Presence } from './presence.service';
import { SessionSync } from './session-sync';
import { authenticateHandshake, handshakeError, SocketData } from './socket-auth';
import {
  MAX_RATE_VIOLATIONS,
  MAX_SOCKETS_PER_USER,
  SOCKET_EVENT_BURST,
  SOCKET_EVENTS_PER_SECOND,
  TokenBucket,
} from './socket-rate-limit';

const CLIENT_EVENTS = new Set<string>([SocketEvents.read, SocketEvents.authRefresh, SocketEvents.approvalsDecide]);
const MAX_TIMER_MS = 2 ** 31 - 1;

interface SocketState {
  subscriber: FeedSubscriber;
  detach?: () => void;
  expiryTimer?: NodeJS.Timeout;
}

const dataOf = (socket: Socket) => socket.data as SocketData;

/**
 * The Socket.IO gateway: authenticates the handshake, joins the rooms the server decides, replays
 * what a returning client missed, then delivers live notifications; closes sockets whose token
 * expires without `auth:refresh`. Decisions live in services; this class only wires them to sockets.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() server!: Server;
  private readonly log = new Logger(RealtimeGateway.name);
  private readonly states = new Map<string, SocketState>();
  private readonly perUser = new Map<string, number>();
  private unreadSub?: Subscription;
  private liveGroups: Array<{ n: Notification; socketIds: string[] }> = [];
  private readonly liveIndex = new Map<string, { n: Notification; socketIds: string[] }>();
  /** Set when the application shuts down: sockets still connecting then are closed quietly. */
  private closing = false;

  constructor(
    private readonly auth: AuthService,
    private readonly feed: NotificationFeed,
    private readonly inbox: InboxService,
    private readonly sessions: SessionSync,
    private readonly presence: Presence,
  ) {}

  /** Sockets connected to this instance (the `herald_sockets_connected` gauge). */
  get connectedCount(): number {
    return this.states.size;
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      authenticateHandshake(socket, this.auth).then(
        ({ user, lastSeenId }) => {
          if ((this.perUser.get(user.id) ?? 0) >= MAX_SOCKETS_PER_USER) {
            return next(handshakeError('too_many_sockets', `At most ${MAX_SOCKETS_PER_USER} connections per user; close another tab or device.`));
          }
          socket.data = { user, rooms: roomsForUser(user.id, user.roles), lastSeenId } satisfies SocketData;
          next();
        },
        (err: Error) => next(err.message === 'unauthorized' || err.message === 'bad_request' ? err : handshakeError('invalid_token', 'Authentication failed.')),
      );
    });
    this.sessions.attach(server, this);
    this.presence.bind(server);
    this.unreadSub = this.inbox.unreadChanges$.subscribe(({ userId, unread }) =>
      server.to(Rooms.user(userId)).emit(SocketEvents.unread, { count: unread }),
    );
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.unreadSub?.unsubscribe();
    for (const [, state] of this.states) {
      clearTimeout(state.expiryTimer);
      state.detach?.();
    }
    this.states.clear();
  }

  async handleConnection(socket: Socket): Promise<void> {
    const data = dataOf(socket);
    if (!data?.user) return; // refused by the middleware
    const { user } = data;
    this.perUser.set(user.id, (this.perUser.get(user.id) ?? 0) + 1);
    this.guardClientEvents(socket);
    socket.join(data.rooms);
    const subscriber: FeedSubscriber = {
      userId: user.id,
      rooms: data.rooms,
      deliver: (n: Notification, mode) => (mode === 'live' ? this.queueLive(socket.id, n) : socket.emit(SocketEvents.notification, n)),
    };
    const state: SocketState = { subscriber };
    this.states.set(socket.id, state);
    this.scheduleExpiry(socket, user.tokenExpiresAt);
    try {
      const result = await this.feed.attach(subscriber, data.lastSeenId);
      state.detach = result.detach;
      if (!socket.connected) return result.detach();
      if (data.lastSeenId !== undefined) socket.emit(SocketEvents.replayDone, { count: result.replayed, lastId: result.lastId, position: result.position });
      socket.emit(SocketEvents.unread, { count: await this.inbox.unreadCount(readerOf(user)) });
    } catch (err) {
      if (!this.closing) this.log.error({ err, userId: user.id }, 'could not start delivery to a socket; disconnecting it so the client retries');
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: Socket): void {
    const state = this.states.get(socket.id);
    if (!state) return;
    this.states.delete(socket.id);
    clearTimeout(state.expiryTimer);
    this.feed.detach(state.subscriber);
    const userId = dataOf(socket).user.id;
    const left = (this.perUser.get(userId) ?? 1) - 1;
    if (left > 0) this.perUser.set(userId, left);
    else this.perUser.delete(userId);
  }

  @SubscribeMessage(SocketEvents.read)
  async markRead(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<Ack<{ unread: number }>> {
    const ids = (body as { ids?: unknown } | null)?.ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 500 || !ids.every((id) => typeof id === 'string' && ID_PATTERN.test(id))) {
      return { ok: false, error: { code: 'bad_request', message: 'ids must be 1-500 notification ids (strings of digits).' } };
    }
    try {
      return { ok: true, unread: await this.inbox.markRead(readerOf(dataOf(socket).user), ids as string[]) };
    } catch (err) {
      this.log.error({ err }, 'notifications:read failed');
      return { ok: false, error: { code: 'internal', message: 'Could not mark the notifications read; try again.' } };
    }
  }

  @SubscribeMessage(SocketEvents.authRefresh)
  async refresh(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<Ack<{ expiresAt: string }>> {
    const token = (body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token === '') return { ok: false, error: { code: 'bad_request', message: 'token must be a non-empty string.' } };
    try {
      const user = await this.auth.authenticate(token);
      const data = dataOf(socket);
      if (user.id !== data.user.id) return { ok: false, error: { code: 'forbidden', message: 'The token belongs to another user.' } };
      data.user = user;
      this.scheduleExpiry(socket, user.tokenExpiresAt);
      return { ok: true, expiresAt: user.tokenExpiresAt.toISOString() };
    } catch (err) {
      if (err instanceof AuthError) return { ok: false, error: { code: err.code === 'invalid_credentials' ? 'invalid_token' : err.code, message: err.message } };
      this.log.error({ err }, 'auth:refresh failed');
      return { ok: false, error: { code: 'internal', message: 'Could not check the token; try again.' } };
    }
  }

  /**
   * Live notifications are grouped per (notification, room as the reader sees it) and sent once per
   * group to all its sockets in the same tick, so Socket.IO encodes each packet once, not once per socket.
   * Groups keep their order, so every socket still sees notifications in id order.
   */
  private queueLive(socketId: string, n: Notification): void {
    const key = `${n.id}\u0000${n.room}`;
    let group = this.liveIndex.get(key);
    if (!group) {
      group = { n, socketIds: [] };
      this.liveIndex.set(key, group);
      if (this.liveGroups.push(group) === 1) queueMicrotask(() => this.flushLive());
    }
    group.socketIds.push(socketId);
  }

  private flushLive(): void {
    const groups = this.liveGroups;
    this.liveGroups = [];
    this.liveIndex.clear();
    for (const g of groups) this.server.local.to(g.socketIds).emit(SocketEvents.notification, g.n);
  }

  /** Re-reads the rooms of a user's sockets on this instance after a role change. */
  applyRooms(userId: string, roles: SocketData['user']['roles']): void {
    const rooms = roomsForUser(userId, roles);
    for (const [id, state] of this.states) {
      if (state.subscriber.userId !== userId) continue;
      const socket = this.server.sockets.sockets.get(id);
      if (!socket) continue;
      const data = dataOf(socket);
      for (const room of data.rooms) if (!rooms.includes(room)) socket.leave(room);
      socket.join(rooms);
      data.rooms = rooms;
      data.user = { ...data.user, roles };
      this.feed.updateRooms(state.subscriber, rooms);
    }
  }

  /** The token's expiry closes the socket unless `auth:refresh` delivered a newer one. */
  private scheduleExpiry(socket: Socket, expiresAt: Date): void {
    const state = this.states.get(socket.id);
    if (!state) return;
    clearTimeout(state.expiryTimer);
    const ms = Math.min(Math.max(expiresAt.getTime() - Date.now(), 0), MAX_TIMER_MS);
    state.expiryTimer = setTimeout(() => {
      socket.emit('auth:expired' as never, { message: 'The access token expired; reconnect with a fresh one.' } as never);
      socket.disconnect(true);
    }, ms);
    state.expiryTimer.unref();
  }

  /** Client events other than the known commands are refused, and every socket has a rate limit. */
  private guardClientEvents(socket: Socket): void {
    const bucket = new TokenBucket(SOCKET_EVENT_BURST, SOCKET_EVENTS_PER_SECOND);
    let violations = 0;
    socket.use(([event, ...args], next) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as (a: unknown) => void) : undefined;
      if (!CLIENT_EVENTS.has(event)) {
        ack?.({ ok: false, error: { code: 'bad_request', message: `Unknown event "${String(event).slice(0, 64)}"; rooms are decided by the server.` } });
        return;
      }
      if (!bucket.take()) {
        ack?.({ ok: false, error: { code: 'rate_limited', message: `More than ${SOCKET_EVENTS_PER_SECOND} events per second; slow down.` } });
        if (++violations >= MAX_RATE_VIOLATIONS) socket.disconnect(true);
        return;
      }
      next();
    });
  }
}
