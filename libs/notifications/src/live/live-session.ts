import type { Notification, Role, SessionCloseReason } from '@herald/contracts';
import type { AttachResult, FeedSubscriber } from '../notification-feed.service';
import type { InboxReader } from '../inbox/inbox.service';
import { membersKey, roomsForUser } from '../rooms';
import type { LiveTransport } from './live-transport';

/** A reader may hold this many unsent bytes; replay waits below it, and live delivery starts the slow-reader clock above it. */
export const READER_BUFFER_BYTES = 1024 * 1024;
/** A reader whose unsent bytes stay above READER_BUFFER_BYTES this long is closed as a slow reader. */
export const SLOW_READER_GRACE_MS = 30_000;
/** Unsent bytes past which a reader is closed at once, whatever the clock says. */
export const MAX_READER_BUFFER_BYTES = 8 * 1024 * 1024;
/**
 * A live reader's buffer is looked at again once this much (estimated, see wireSize) was delivered to it live since
 * the last look, and by the periodic sweep. Looking on every delivery read half a dozen cold engine objects per
 * socket (1.2 us of the feed's 4.0 us per delivery in a 1,000-socket broadcast); the cap can now be passed by at
 * most this much plus one notification.
 */
export const LIVE_CHECK_BYTES = 64 * 1024;
const wireSizes = new WeakMap<Notification, number>();

/**
 * At least what a notification weighs on the wire, worked out once per object (a room's readers share one): its
 * texts and data at 3 bytes a UTF-16 unit (the most UTF-8 takes), plus an allowance for ids, type, room, dates
 * and framing.
 */
export function wireSize(n: Notification): number {
  let size = wireSizes.get(n);
  if (size === undefined) {
    size = 512 + 3 * (n.title.length + n.body.length + (n.data ? JSON.stringify(n.data).length : 0));
    wireSizes.set(n, size);
  }
  return size;
}

/** How often a waiting replay looks at its transport's buffer. */
const PACE_POLL_MS = 25;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Who a live reader is, as authenticated when it connected (or last refreshed). */
export interface LiveUser {
  id: string;
  roles: readonly Role[];
  sessionEpoch: number;
  /** The login session (refresh-token family, one device) of the token; null for tokens from before sessions had ids. */
  sessionId: string | null;
  tokenExpiresAt: Date;
}

/** What a session needs from the registry that owns it. */
export interface LiveSessionOwner {
  attach(sub: FeedSubscriber, lastSeenId: string | undefined, pace: () => Promise<void>): Promise<AttachResult>;
  updateRooms(sub: FeedSubscriber, rooms: readonly string[]): void;
  detach(sub: FeedSubscriber): void;
  released(session: LiveSession): void;
}

const MESSAGES: Record<SessionCloseReason, string> = {
  token_expired: 'The access token expired; reconnect with a fresh one.',
  session_revoked: 'Every session of this user has ended (signed out everywhere, or the password changed); log in again.',
  signed_out: 'This device signed out (or its session was revoked); log in again.',
  user_disabled: 'This account is disabled; ask an administrator.',
  slow_reader: 'This connection stopped reading and its unsent data passed the limit; reconnect to resume from your cursor.',
  server_shutdown: 'The server is shutting down; reconnect to resume from your cursor.',
  unavailable: 'The server could not read your notifications (its database did not answer); reconnect in a moment.',
};

/**
 * One live reader, whatever the transport: its rooms come from the user's current roles, it is
 * replayed from its cursor and then switched to live delivery without gap, it ends when its token
 * expires (unless refreshed) or its session ends, it follows role changes, and its unsent bytes are
 * bounded (replay waits for the transport to drain; a reader that stops reading is shed).
 */
export class LiveSession {
  readonly userId: string;
  readonly subscriber: FeedSubscriber;
  private user: LiveUser;
  private expiryTimer?: NodeJS.Timeout;
  private overSince: number | null = null;
  /** Bytes (estimated) delivered live since the buffer was last looked at. */
  private uncheckedBytes = 0;
  private closedReason: SessionCloseReason | 'transport_closed' | null = null;

  constructor(
    private readonly owner: LiveSessionOwner,
    user: LiveUser,
    private readonly transport: LiveTransport,
  ) {
    this.user = user;
    this.userId = user.id;
    this.subscriber = {
      userId: user.id,
      rooms: roomsForUser(user.id, user.roles),
      deliver: (n: Notification, mode) => {
        this.transport.deliver(n, mode);
        if (mode === 'live' && (this.uncheckedBytes += wireSize(n)) >= LIVE_CHECK_BYTES) this.checkBuffer();
      },
      signal: (event, payload) => {
        if (!this.closed) this.transport.signal(event, payload);
      },
    };
    this.scheduleExpiry();
  }

  get rooms(): readonly string[] {
    return this.subscriber.rooms;
  }

  /** Whose inbox this reader shows, with the rooms it is in now (for unread counts and reads). */
  get reader(): InboxReader {
    return { userId: this.userId, rooms: this.subscriber.rooms };
  }

  get sessionEpoch(): number {
    return this.user.sessionEpoch;
  }

  get sessionId(): string | null {
    return this.user.sessionId;
  }

  get roles(): readonly Role[] {
    return this.user.roles;
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** Replays from `lastSeenId` (if given) at the pace the transport drains, then goes live. */
  start(lastSeenId?: string): Promise<AttachResult> {
    return this.owner.attach(this.subscriber, lastSeenId, () => this.waitWritable());
  }

  /** A newer access token for the same session (in-band refresh): the expiry moves. */
  refresh(user: LiveUser): 'ok' | 'other_user' | 'session_ended' {
    if (user.id !== this.userId) return 'other_user';
    if (user.sessionEpoch !== this.user.sessionEpoch) {
      this.end('session_revoked');
      return 'session_ended';
    }
    // A token of another session of the same user (the tab signed in anew) moves this reader to that session.
    this.user = { ...user, roles: this.user.roles };
    this.scheduleExpiry();
    if (membersKey(user.roles) !== membersKey(this.user.roles)) this.applyRoles(user.roles);
    return 'ok';
  }

  /** The user's roles as the database has them now; rooms follow. */
  applyRoles(roles: readonly Role[]): void {
    if (this.closed) return;
    const rooms = roomsForUser(this.userId, roles);
    this.user = { ...this.user, roles };
    if (membersKey(rooms) === membersKey(this.subscriber.rooms)) return;
    this.owner.updateRooms(this.subscriber, rooms);
    this.transport.roomsChanged(rooms);
  }

  /**
   * Looks at the unsent bytes: above the hard cap the reader is closed at once; above the bound
   * for longer than the grace period, too. Called after every LIVE_CHECK_BYTES of live deliveries and by a
   * periodic sweep.
   */
  checkBuffer(now = Date.now()): void {
    if (this.closed) return;
    this.uncheckedBytes = 0;
    const buffered = this.transport.bufferedBytes();
    if (buffered > MAX_READER_BUFFER_BYTES) return this.end('slow_reader');
    if (buffered <= READER_BUFFER_BYTES) {
      this.overSince = null;
      return;
    }
    this.overSince ??= now;
    if (now - this.overSince >= SLOW_READER_GRACE_MS) this.end('slow_reader');
  }

  /** Ends the session from the server's side: the reader is told why, then the transport closes. */
  end(reason: SessionCloseReason): void {
    if (this.closed) return;
    this.closedReason = reason;
    this.release();
    this.transport.close(reason, MESSAGES[reason]);
  }

  /** The transport went away by itself (client closed, network dropped). */
  transportClosed(): void {
    if (this.closed) return;
    this.closedReason = 'transport_closed';
    this.release();
  }

  private release(): void {
    clearTimeout(this.expiryTimer);
    this.owner.detach(this.subscriber);
    this.owner.released(this);
  }

  /** Resolves once the transport's buffer is below the bound, or the session has ended. */
  private waitWritable(): Promise<void> {
    if (this.closed || this.transport.bufferedBytes() <= READER_BUFFER_BYTES) return Promise.resolve();
    return new Promise((resolve) => {
      const started = Date.now();
      const timer = setInterval(() => {
        if (this.closed || this.transport.bufferedBytes() <= READER_BUFFER_BYTES) {
          clearInterval(timer);
          return resolve();
        }
        if (Date.now() - started >= SLOW_READER_GRACE_MS) {
          clearInterval(timer);
          this.end('slow_reader');
          resolve();
        }
      }, PACE_POLL_MS);
      timer.unref();
    });
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const ms = Math.min(Math.max(this.user.tokenExpiresAt.getTime() - Date.now(), 0), MAX_TIMER_MS);
    this.expiryTimer = setTimeout(() => this.end('token_expired'), ms);
    this.expiryTimer.unref();
  }
}
