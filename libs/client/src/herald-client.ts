import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  ApprovalDto,
  ClientToServerEvents,
  DecideRequest,
  HandshakeAuth,
  Notification,
  ServerToClientEvents,
  SessionClosed,
  SessionCloseReason,
} from '@herald/contracts';
import { HeraldClientError } from './errors';
import { maxId, SeenIds } from './ids';
import { ObservableValue, type ReadonlyValue } from './observable';
import { RETRY_POLICIES, retryDelay } from './retry';
import { UnreadTracker } from './unread';
import { type CursorStorage, MemoryCursorStorage } from './storage';
import { readTokenExpiry, RefreshScheduler } from './token';

export type ConnectionState = 'connected' | 'reconnecting' | 'offline';

/** How a notification reached this client: `replayed` while catching up on what was missed. */
export interface DeliveryInfo {
  replayed: boolean;
}

/** What `on()` can listen to: the server's events (notifications de-duplicated) plus the client's own. */
export interface HeraldClientEvents {
  notification: (notification: Notification, info: DeliveryInfo) => void;
  unread: ServerToClientEvents['unread'];
  'replay:done': ServerToClientEvents['replay:done'];
  /** Its sender recalled a notification: remove it (the unread count drops it by itself). */
  recalled: ServerToClientEvents['notification:recalled'];
  /** A notification changed in place: replace the one shown (older versions than one already seen are dropped). */
  updated: ServerToClientEvents['notification:updated'];
  /** For what this user caused: how many got and read it, live. */
  receipts: ServerToClientEvents['notification:receipts'];
  /** Another device marked these seen. */
  seen: ServerToClientEvents['notification:seen'];
  /** Another device archived or unarchived these. */
  archived: ServerToClientEvents['notification:archived'];
  /** After every successful (re)connect: the moment to refetch anything derived from the server. */
  connected: () => void;
  /** Something went wrong that the app may want to show (refused handshake, failed refresh). */
  error: (error: HeraldClientError) => void;
  /**
   * The server ended this connection and said why. `session_revoked`, `signed_out` and `user_disabled` stop the
   * client (state `offline`, log in again, then `connect()`); the other reasons reconnect by themselves.
   */
  closed: (closed: SessionClosed) => void;
}

export interface HeraldClientOptions {
  /** Server origin, e.g. `https://herald.example.com` (or '' in a browser for the page's own origin). */
  url: string;
  /** The current access token. Called on every (re)connect. */
  getToken: () => Promise<string>;
  /** A new access token (e.g. via POST /api/auth/refresh). Without it, getToken() is asked again. */
  refreshToken?: () => Promise<string>;
  /** Where `lastSeenId` lives; memory by default. */
  storage?: CursorStorage;
  /** Refresh this long before the token expires (default 60 s). */
  refreshLeadMs?: number;
  /** How long to wait for an ack (default 10 s). */
  ackTimeoutMs?: number;
  /** How many recent ids to remember for duplicate suppression (default 1,000). */
  dedupeCapacity?: number;
  /** Connect at once (default true). */
  autoConnect?: boolean;
  /** Passed to socket.io-client (path, transports, reconnection delays…). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

type HeraldSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Handlers = { [E in keyof HeraldClientEvents]: Set<HeraldClientEvents[E]> };

/** If the server never says `replay:done` (older server), stop treating arrivals as replayed after this. */
const REPLAY_GRACE_MS = 15_000;
/** A connection that stays up this long resets the retry back-off. */
const STABLE_CONNECTION_MS = 30_000;
/** Reasons after which reconnecting would only be refused again: the user must sign in anew. */
const FINAL_CLOSE_REASONS: readonly SessionCloseReason[] = ['session_revoked', 'signed_out', 'user_disabled'];
/** Reasons the server may pass in a moment: come back after a pause, not at once. */
const RETRY_LATER_REASONS: readonly SessionCloseReason[] = ['slow_reader', 'server_shutdown', 'unavailable'];
/** The connect-error code of a user at the cap of live readers (`too_many_readers` is the SSE route's name for it). */
const TOO_MANY_READERS = ['too_many_sockets', 'too_many_readers'];

/**
 * A typed Herald connection: keeps the token fresh in-band, resumes from `lastSeenId` after any
 * disconnect, drops duplicates, and exposes the connection state and unread count as observables.
 */
export class HeraldClient {
  readonly socket: HeraldSocket;
  private readonly stateValue = new ObservableValue<ConnectionState>('offline');
  private readonly unreadTracker = new UnreadTracker();
  private readonly missedValue = new ObservableValue<number>(0);
  private readonly handlers: Handlers = {
    notification: new Set(), unread: new Set(), 'replay:done': new Set(), connected: new Set(), error: new Set(), closed: new Set(),
    recalled: new Set(), updated: new Set(), receipts: new Set(), seen: new Set(), archived: new Set(),
  };
  /** The highest version seen of each updated notification, so a late older update cannot undo a newer one. */
  private readonly versions = new Map<string, number>();
  private readonly storage: CursorStorage;
  private readonly seen: SeenIds;
  private readonly scheduler: RefreshScheduler;
  private readonly ackTimeoutMs: number;
  private token: string | null = null;
  private wantFreshToken = false;
  private tokenFailed = false;
  private replaying = false;
  /** The highest id delivered during the current replay, which may be below a clamped cursor. */
  private replayHigh: string | null = null;
  /** Why the server said it is closing this connection (`session:closed`, `auth_expired`). */
  private closeReason: SessionCloseReason | null = null;
  private replayTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  private retryAttempts = 0;
  private closed = false;

  constructor(private readonly options: HeraldClientOptions) {
    this.storage = options.storage ?? new MemoryCursorStorage();
    this.seen = new SeenIds(options.dedupeCapacity ?? 1000);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.scheduler = new RefreshScheduler(options.refreshLeadMs ?? 60_000, () => void this.refreshInBand());
    this.socket = io(options.url, {
      path: '/socket.io',
      ...options.socketOptions,
      autoConnect: false,
      // The callback form runs on every attempt, so each reconnect sends the current token and cursor.
      auth: (cb) => {
        this.handshake().then(cb, (err: unknown) => {
          this.tokenFailed = true;
          this.report(new HeraldClientError('token_unavailable', 'Could not get an access token to connect with.', err));
          cb({});
        });
      },
    });
    this.wireSocket();
    if (options.autoConnect !== false) this.connect();
  }

  /** `connected`, `reconnecting` (trying again by itself) or `offline` (stopped, or refused). */
  get state(): ReadonlyValue<ConnectionState> {
    return this.stateValue;
  }

  /**
   * The unread count, exact: the server's last count plus the unread notifications received since that it
   * did not cover (null until the server's first count, sent on connect).
   */
  get unread(): ReadonlyValue<number | null> {
    return this.unreadTracker.count;
  }

  /** How many notifications the last reconnect replayed (from `replay:done`). */
  get missed(): ReadonlyValue<number> {
    return this.missedValue;
  }

  /** The id of the newest notification delivered so far (what the next reconnect resumes after). */
  get lastSeenId(): string | null {
    return this.storage.get();
  }

  /** Moves the cursor forward (never back), e.g. to the newest inbox item loaded over REST. */
  advanceCursor(id: string): void {
    const next = maxId(this.storage.get(), id);
    if (next !== null && next !== this.storage.get()) this.storage.set(next);
  }

  on<E extends keyof HeraldClientEvents>(event: E, handler: HeraldClientEvents[E]): () => void {
    (this.handlers[event] as Set<HeraldClientEvents[E]>).add(handler);
    return () => this.off(event, handler);
  }

  off<E extends keyof HeraldClientEvents>(event: E, handler: HeraldClientEvents[E]): void {
    (this.handlers[event] as Set<HeraldClientEvents[E]>).delete(handler);
  }

  connect(): void {
    this.closed = false;
    if (this.socket.connected || this.socket.active) return;
    this.stateValue.set('reconnecting');
    this.socket.connect();
  }

  /** Disconnects for good (until `connect()`); timers are cleared so a Node process can exit. */
  close(): void {
    this.closed = true;
    this.clearTimers();
    this.socket.disconnect();
    this.stateValue.set('offline');
  }

  /** Marks notifications read; answers the server's ack (with the new unread count). */
  async markRead(ids: string[]): Promise<Ack<{ unread: number; upTo: string }>> {
    const ack = await this.withAck('notifications:read', (socket) => socket.emitWithAck('notifications:read', { ids }));
    if (ack.ok) {
      this.unreadTracker.read(ids);
      this.unreadTracker.adopt({ count: ack.unread, upTo: ack.upTo });
    }
    return ack;
  }

  /** Approves or rejects over the socket, with the same rules as REST; refusals come back as `{ok: false}`. */
  decide(request: DecideRequest): Promise<Ack<{ approval: ApprovalDto }>> {
    return this.withAck('approvals:decide', (socket) => socket.emitWithAck('approvals:decide', request));
  }

  /** Sends one acknowledged emit; no connection or no answer in time become HeraldClientErrors. */
  private async withAck<T>(event: string, send: (socket: ReturnType<HeraldSocket['timeout']>) => Promise<T>): Promise<T> {
    if (!this.socket.connected) throw new HeraldClientError('offline', `Cannot send ${event}: not connected to the server.`);
    try {
      return await send(this.socket.timeout(this.ackTimeoutMs));
    } catch (err) {
      throw new HeraldClientError('timeout', `The server did not answer ${event} within ${this.ackTimeoutMs} ms.`, err);
    }
  }

  private async handshake(): Promise<HandshakeAuth> {
    let token = this.wantFreshToken ? await this.freshToken() : await this.options.getToken();
    this.wantFreshToken = false;
    // A provider may hand over a token that is (nearly) expired: refresh first rather than be refused once.
    const exp = readTokenExpiry(token);
    if (exp !== null && exp * 1000 <= Date.now() + 5_000 && this.options.refreshToken) token = await this.options.refreshToken();
    this.token = token;
    this.tokenFailed = false;
    const lastSeenId = this.storage.get();
    this.replaying = lastSeenId !== null;
    this.replayHigh = null;
    return lastSeenId !== null ? { token, lastSeenId } : { token };
  }

  private freshToken(): Promise<string> {
    return (this.options.refreshToken ?? this.options.getToken)();
  }

  private wireSocket(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      this.closeReason = null;
      this.stateValue.set('connected');
      if (this.token) this.scheduler.schedule(this.token);
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => (this.retryAttempts = 0), STABLE_CONNECTION_MS);
      clearTimeout(this.replayTimer);
      if (this.replaying) this.replayTimer = setTimeout(() => (this.replaying = false), REPLAY_GRACE_MS);
      this.emit('connected');
    });
    socket.on('disconnect', (reason) => {
      this.scheduler.cancel();
      clearTimeout(this.stableTimer);
      if (this.closed) return this.stateValue.set('offline');
      if (reason === 'io server disconnect') {
        // A reader dropped for being slow, by a server going down or without its database comes back after a pause.
        if (this.closeReason !== null && RETRY_LATER_REASONS.includes(this.closeReason)) return this.retry('unavailable');
        // The server ends sockets whose token expired: come back with a fresh one (a revoked session will be refused then).
        return this.retry('token');
      }
      this.stateValue.set(socket.active ? 'reconnecting' : 'offline');
    });
    socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      if (this.closed) return;
      if (socket.active) return this.stateValue.set('reconnecting');
      const code = err.data?.code ?? err.message;
      if (code === 'token_expired' || this.tokenFailed) return this.retry('token');
      // A cursor the server cannot read (corrupted storage) would refuse every attempt: drop it and try again.
      if (code === 'bad_request' && this.storage.get() !== null) {
        this.storage.clear();
        return this.retry('token');
      }
      const why = err.data?.message ?? err.message;
      // The server could not check the credentials (database down, starting, stopping): nothing is wrong with them.
      if (code === 'unavailable') {
        this.retry('unavailable');
        return this.report(new HeraldClientError('unavailable', `The server is unavailable, retrying: ${why}`, err));
      }
      // A slot frees when another tab or device closes; a tab that gave up would need a reload to get it.
      if (TOO_MANY_READERS.includes(code)) {
        this.retry('tooManyReaders');
        return this.report(new HeraldClientError('too_many_sockets', `Too many open connections for this user, retrying later: ${why}`, err));
      }
      this.stateValue.set('offline');
      const known = code === 'missing_token' || code === 'invalid_token' || code === 'user_disabled' || code === 'bad_request';
      this.report(new HeraldClientError(known ? code : 'unauthorized', `The server refused the connection: ${code ?? err.message}.`, err));
    });
    socket.on('notification', (notification) => {
      const id = notification.id;
      // A replay holds only ids after the server's own position, in order, and that position may be below our
      // cursor (clamped): while it lasts, the floor is the replay's own highest id, not the stored cursor.
      const floor = this.replaying ? this.replayHigh : this.storage.get();
      if (this.replaying && /^\d+$/.test(id)) this.replayHigh = maxId(this.replayHigh, id);
      if (!this.seen.accept(id, floor)) return;
      this.storage.set(id);
      this.unreadTracker.received(notification);
      this.emit('notification', notification, { replayed: this.replaying });
    });
    socket.on('unread', (payload) => {
      this.unreadTracker.adopt(payload);
      this.emit('unread', payload);
    });
    socket.on('replay:done', (payload) => {
      this.replaying = false;
      clearTimeout(this.replayTimer);
      // The server's position is the cursor from now on, also when lower than ours (it clamped a cursor beyond its ids).
      if (typeof payload.position === 'string' && /^\d+$/.test(payload.position)) this.storage.set(payload.position);
      else if (payload.lastId) this.advanceCursor(payload.lastId);
      this.missedValue.set(payload.count);
      this.emit('replay:done', payload);
    });
    socket.on('notification:recalled', (payload) => {
      // Gone from the count at once if it was counted on top of the server's; the server's next count confirms.
      this.unreadTracker.read([payload.id]);
      this.emit('recalled', payload);
    });
    socket.on('notification:updated', (n) => {
      const version = n.version ?? 1;
      if ((this.versions.get(n.id) ?? 0) >= version) return;
      if (this.versions.size >= 1000) this.versions.delete(this.versions.keys().next().value as string);
      this.versions.set(n.id, version);
      this.emit('updated', n);
    });
    socket.on('notification:receipts', (payload) => this.emit('receipts', payload));
    socket.on('notification:seen', (payload) => this.emit('seen', payload));
    socket.on('notification:archived', (payload) => this.emit('archived', payload));
    socket.on('session:closed', (payload) => this.sessionClosed(payload));
    const expired = (payload: { message: string }) => this.sessionClosed({ reason: 'token_expired', message: payload.message });
    socket.on('auth_expired', expired);
    socket.on('auth:expired', expired);
  }

  /** The server is about to close this connection: say why, and stop for good when reconnecting cannot help. */
  private sessionClosed(payload: SessionClosed): void {
    // One close may be announced under several names (auth_expired, auth:expired, session:closed): report it once.
    if (this.closed || payload.reason === this.closeReason) return;
    this.closeReason = payload.reason;
    this.emit('closed', payload);
    if (!FINAL_CLOSE_REASONS.includes(payload.reason)) return; // the disconnect that follows reconnects
    this.closed = true;
    this.clearTimers();
    this.socket.disconnect();
    this.stateValue.set('offline');
    this.report(new HeraldClientError(payload.reason, `The server ended the session (${payload.reason}): sign in again. ${payload.message}`.trim()));
  }

  /** Reconnects after a growing, jittered delay (see RETRY_POLICIES); a token refusal also asks for a fresh token. */
  private retry(kind: keyof typeof RETRY_POLICIES): void {
    this.stateValue.set('reconnecting');
    if (kind === 'token') this.wantFreshToken = true;
    const delay = retryDelay(RETRY_POLICIES[kind], this.retryAttempts++);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed && !this.socket.connected && !this.socket.active) this.socket.connect();
    }, delay);
  }

  private async refreshInBand(): Promise<void> {
    if (!this.socket.connected) return;
    try {
      const token = await this.freshToken();
      if (token === this.token) return; // nothing new to send; the next reconnect will ask again
      const ack = await this.withAck('auth:refresh', (socket) => socket.emitWithAck('auth:refresh', { token }));
      if (!ack.ok) throw new HeraldClientError('refresh_refused', ack.error.message);
      this.token = token;
      this.scheduler.schedule(token);
    } catch (err) {
      this.report(err instanceof HeraldClientError ? err : new HeraldClientError('token_unavailable', 'Could not refresh the access token.', err));
    }
  }

  private report(error: HeraldClientError): void {
    this.emit('error', error);
  }

  private emit<E extends keyof HeraldClientEvents>(event: E, ...args: Parameters<HeraldClientEvents[E]>): void {
    for (const handler of [...this.handlers[event]]) {
      try {
        (handler as (...a: Parameters<HeraldClientEvents[E]>) => void)(...args);
      } catch (err) {
        // One faulty listener must not stop delivery to the others.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  private clearTimers(): void {
    this.scheduler.cancel();
    clearTimeout(this.replayTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
  }
}
