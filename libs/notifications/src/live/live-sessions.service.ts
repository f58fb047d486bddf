import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subscription } from 'rxjs';
import { DataSource } from 'typeorm';
import { Rooms, type Role } from '@herald/contracts';
import { SessionEvents } from '@herald/auth';
import { InboxService } from '../inbox/inbox.service';
import { AttachResult, FeedSubscriber, NotificationFeed } from '../notification-feed.service';
import { membersKey } from '../rooms';
import { LiveSession, LiveUser } from './live-session';
import type { LiveTransport } from './live-transport';

/** Live readers (sockets and SSE streams together) one user may hold on one instance. */
export const MAX_READERS_PER_USER = 20;
/** Every live reader is re-checked against the database this often, whatever the bus said. */
export const RESYNC_INTERVAL_MS = 30_000;
/** How often unsent buffers are looked at, for readers that receive nothing new. */
const SWEEP_INTERVAL_MS = 5_000;
const USER_ROOM_PREFIX = Rooms.user('');
/** Users re-read per query during a re-sync. */
const RESYNC_CHUNK = 1000;

interface UserRow {
  id: string;
  roles: Role[];
  disabled: boolean;
  session_epoch: number;
}

/**
 * Every live reader on this instance, by user. Applies the session rules to all of them the same
 * way, whatever their transport: a session event (from this instance or, through the database, from
 * another) makes the user's readers re-read the user; a re-sync after the bus reconnected, and one
 * every RESYNC_INTERVAL_MS, re-reads every live user, so a missed event is caught up. The database
 * decides: a reader whose session epoch is stale closes (`session_revoked`), one whose own session
 * (refresh-token family, one device) was revoked closes (`signed_out`), a disabled user's close
 * (`user_disabled`), and rooms follow the roles as they are now. A `session_ended` event closes that
 * session's readers at once: the event is only sent after the revocation committed.
 */
@Injectable()
export class LiveSessions implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(LiveSessions.name);
  private readonly byUser = new Map<string, Set<LiveSession>>();
  /**
   * Shared rooms (every room but `user:<id>`) → the users with a live reader here in them, kept as readers open,
   * close and change rooms, so the `online` count of a room push reads a set instead of walking every reader
   * (0.8 ms per push to `orders` with 1,000 readers, before).
   */
  private readonly usersByRoom = new Map<string, Set<string>>();
  /** The shared rooms each user is indexed under in usersByRoom. */
  private readonly indexedRooms = new Map<string, readonly string[]>();
  /** Called after a reader opens, closes or changes rooms (the replicated presence of other instances follows it). */
  private readonly changeListeners = new Set<(userId: string) => void>();
  private subs: Subscription[] = [];
  private resyncTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private resyncing?: Promise<void>;
  private closing = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly feed: NotificationFeed,
    private readonly inbox: InboxService,
    private readonly sessions: SessionEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.subs.push(
      this.sessions.events$.subscribe((event) => {
        if (event.kind === 'session_ended') this.endSession(event.userId, event.sessionId);
        else void this.resyncUsers([event.userId], `session event ${event.kind}`);
      }),
      this.sessions.resync$.subscribe((reason) => void this.resyncAll(reason)),
    );
    this.resyncTimer = setInterval(() => void this.resyncAll('periodic'), RESYNC_INTERVAL_MS);
    this.resyncTimer.unref();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    this.closing = true;
    for (const s of this.subs) s.unsubscribe();
    clearInterval(this.resyncTimer);
    clearInterval(this.sweepTimer);
    for (const session of this.all()) session.end('server_shutdown');
  }

  /** Whether one more reader (socket or stream) of this user would pass the per-user cap. */
  isFull(userId: string): boolean {
    return (this.byUser.get(userId)?.size ?? 0) >= MAX_READERS_PER_USER;
  }

  /** Registers a reader; null when the user already has MAX_READERS_PER_USER here. */
  open(user: LiveUser, transport: LiveTransport): LiveSession | null {
    if (this.closing || this.isFull(user.id)) return null;
    const session = new LiveSession(
      {
        attach: (sub: FeedSubscriber, lastSeenId: string | undefined, pace: () => Promise<void>): Promise<AttachResult> =>
          this.feed.attach(sub, lastSeenId, { pace }),
        updateRooms: (sub, rooms) => {
          this.feed.updateRooms(sub, rooms);
          this.changed(sub.userId);
        },
        detach: (sub) => this.feed.detach(sub),
        released: (s) => this.remove(s),
      },
      user,
      transport,
    );
    let set = this.byUser.get(user.id);
    if (!set) this.byUser.set(user.id, (set = new Set()));
    set.add(session);
    this.changed(user.id);
    return session;
  }

  /** Registers `listener` for reader changes (open, close, rooms) by user id; returns what unregisters it. */
  onChange(listener: (userId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The union of the rooms of this user's live readers here, sorted; undefined when the user has none. */
  localRoomsOf(userId: string): string[] | undefined {
    const set = this.byUser.get(userId);
    if (!set) return undefined;
    const rooms = new Set<string>();
    for (const session of set) for (const r of session.rooms) rooms.add(r);
    return [...rooms].sort();
  }

  /** Every user with a live reader here. */
  localUsers(): string[] {
    return [...this.byUser.keys()];
  }

  private changed(userId: string): void {
    this.reindex(userId);
    for (const listener of this.changeListeners) listener(userId);
  }

  /** Moves the user in usersByRoom from the shared rooms it was indexed under to those of its readers now. */
  private reindex(userId: string): void {
    const before = this.indexedRooms.get(userId) ?? [];
    const now = (this.localRoomsOf(userId) ?? []).filter((r) => !r.startsWith(USER_ROOM_PREFIX));
    for (const room of before) {
      if (now.includes(room)) continue;
      const users = this.usersByRoom.get(room);
      users?.delete(userId);
      if (users && !users.size) this.usersByRoom.delete(room);
    }
    for (const room of now) {
      let users = this.usersByRoom.get(room);
      if (!users) this.usersByRoom.set(room, (users = new Set()));
      users.add(userId);
    }
    if (now.length) this.indexedRooms.set(userId, now);
    else this.indexedRooms.delete(userId);
  }

  /** Users with a live reader here in any of `rooms` (sockets and SSE streams alike), from the two indexes. */
  localUserIds(rooms: readonly string[]): Set<string> {
    const ids = new Set<string>();
    for (const room of rooms) {
      if (room.startsWith(USER_ROOM_PREFIX)) {
        const userId = room.slice(USER_ROOM_PREFIX.length);
        if (this.byUser.has(userId)) ids.add(userId);
      } else {
        for (const userId of this.usersByRoom.get(room) ?? []) ids.add(userId);
      }
    }
    return ids;
  }

  /** One device signed out (or its refresh-token family was revoked): its readers close, the user's others stay. */
  endSession(userId: string, sessionId: string): void {
    for (const session of [...(this.byUser.get(userId) ?? [])]) if (session.sessionId === sessionId) session.end('signed_out');
  }

  /** Re-reads every user with a live reader here and applies what the database says. */
  resyncAll(reason: string): Promise<void> {
    // One re-sync at a time; a request during one is covered by it or the next periodic one.
    this.resyncing ??= (async () => {
      try {
        const ids = [...this.byUser.keys()];
        for (let i = 0; i < ids.length; i += RESYNC_CHUNK) await this.resyncUsers(ids.slice(i, i + RESYNC_CHUNK), reason);
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }

  /** Re-reads these users and applies their state to their live readers; failures are logged and left to the next re-sync. */
  async resyncUsers(userIds: string[], reason: string): Promise<void> {
    const live = userIds.filter((id) => this.byUser.has(id));
    if (!live.length || this.closing) return;
    let rows: UserRow[];
    let liveSessions: Set<string>;
    try {
      rows = await this.db.query(`SELECT id::text, roles, disabled, session_epoch FROM users WHERE id = ANY($1::bigint[])`, [live]);
      liveSessions = await this.liveSessionIds(live);
    } catch (err) {
      if (!this.closing) this.log.warn({ err: (err as Error).message, users: live.length, reason }, 'could not re-check live readers against the database; the next re-sync retries');
      return;
    }
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    for (const userId of live) {
      const row = byId.get(userId);
      const set = this.byUser.get(userId);
      if (!set) continue;
      let rolesChanged = false;
      for (const session of [...set]) {
        if (!row || row.disabled) session.end('user_disabled');
        else if (row.session_epoch !== session.sessionEpoch) session.end('session_revoked');
        else if (session.sessionId !== null && !liveSessions.has(session.sessionId)) session.end('signed_out');
        else {
          if (membersKey(row.roles) !== membersKey(session.roles)) rolesChanged = true;
          session.applyRoles(row.roles);
        }
      }
      if (rolesChanged && row) await this.announceUnread(userId, row.roles);
    }
  }

  /** Of the sessions these users' readers belong to, the ones whose refresh-token family is not revoked. */
  private async liveSessionIds(userIds: string[]): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const userId of userIds) for (const session of this.byUser.get(userId) ?? []) if (session.sessionId) ids.add(session.sessionId);
    if (!ids.size) return ids;
    const rows: Array<{ family_id: string }> = await this.db.query(
      `SELECT DISTINCT family_id::text FROM refresh_tokens WHERE family_id = ANY($1::uuid[]) AND revoked_at IS NULL`,
      [[...ids]],
    );
    return new Set(rows.map((r) => r.family_id));
  }

  private async announceUnread(userId: string, roles: Role[]): Promise<void> {
    try {
      await this.inbox.recount(userId, roles);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, userId }, 'could not recount unread after a role change');
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of this.all()) session.checkBuffer(now);
  }

  private *all(): Iterable<LiveSession> {
    for (const set of [...this.byUser.values()]) yield* [...set];
  }

  private remove(session: LiveSession): void {
    const set = this.byUser.get(session.userId);
    set?.delete(session);
    if (set && !set.size) this.byUser.delete(session.userId);
    this.changed(session.userId);
  }
}
