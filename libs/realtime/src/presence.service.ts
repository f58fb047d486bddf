import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Rooms } from '@herald/contracts';
import { withTimeout } from '@herald/common';
import { RedisConnection } from '@herald/database';
import { LiveSessions } from '@herald/notifications';
import type { HeraldServer, InterServerEvents, PresenceDelta, PresenceFull } from './socket-auth';

const USER_ROOM_PREFIX = Rooms.user('');
const PRESENCE_QUERY = 'herald:presence' satisfies keyof InterServerEvents;
const PRESENCE_DELTA = 'herald:presence-delta' satisfies keyof InterServerEvents;
const PRESENCE_FULL = 'herald:presence-full' satisfies keyof InterServerEvents;
const PRESENCE_RESYNC = 'herald:presence-resync' satisfies keyof InterServerEvents;
/** How long to wait for the other instances' answers, while Redis is up, before counting without them. */
const PRESENCE_TIMEOUT_MS = 2000;
/** Local changes are sent to the other instances this long after the first of them (coalesced). */
export const PRESENCE_PUBLISH_MS = 10;
/** Each instance says it is there, with its last change number, this often... */
export const PRESENCE_HEARTBEAT_MS = 2000;
/** ...and is forgotten after this long without a word (it stopped, crashed, or lost Redis). */
export const PRESENCE_EXPIRY_MS = 3 * PRESENCE_HEARTBEAT_MS;

interface RemoteInstance {
  seq: number;
  seenAt: number;
  /** userId → the rooms of their live readers on that instance. */
  users: Map<string, readonly string[]>;
}

const isEntry = (e: unknown): e is [string, string[]] =>
  Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Array.isArray(e[1]) && e[1].every((r) => typeof r === 'string');

/**
 * Who is online: users with at least one live reader (socket or SSE stream), on any instance.
 *
 * Two answers. `onlineUserIds` (GET /api/presence) asks the other instances through the adapter and waits
 * for them (bounded), only while Redis is connected: the exact answer to an explicit question.
 * `knownOnlineUserIds` (the `online` count of every push) answers at once, with no Redis round trip: each
 * instance keeps a copy of the others' presence, which they send as numbered changes within
 * PRESENCE_PUBLISH_MS of a reader opening or closing, plus a heartbeat every PRESENCE_HEARTBEAT_MS. A copy
 * that misses a number, or an instance it has not heard of, asks that instance for its whole presence; an
 * instance not heard from for PRESENCE_EXPIRY_MS, and every copy when Redis is lost, is dropped. So a push
 * counts a reader on another instance a few milliseconds after it connected (the time Redis takes to carry the
 * change), where the exact question waited for every instance on every push.
 */
@Injectable()
export class Presence implements OnModuleDestroy {
  private readonly log = new Logger(Presence.name);
  private server?: HeraldServer;
  /** Questions waiting for other instances; settled early (this instance only) when Redis is lost. */
  private readonly pending = new Set<() => void>();
  readonly instanceId = randomUUID();
  private readonly remote = new Map<string, RemoteInstance>();
  /** What the other instances were last told of this one's users: userId → rooms key. */
  private readonly sent = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private seq = 0;
  private publishTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private fullWanted = false;
  private unsubscribe?: () => void;

  constructor(
    private readonly live: LiveSessions,
    @Optional() private readonly redis?: RedisConnection,
  ) {}

  bind(server: HeraldServer): void {
    this.server = server;
    this.redis?.onLost(() => {
      for (const giveUp of this.pending) giveUp();
      // Nobody else can be heard from: count this instance alone, as the exact question does, until Redis is back.
      this.remote.clear();
    });
    server.on(PRESENCE_QUERY, (rooms, reply) => {
      // From another instance, but checked anyway: a malformed question gets no answer.
      if (Array.isArray(rooms) && typeof reply === 'function') reply([...this.localUserIds(rooms.map(String))]);
    });
    server.on(PRESENCE_DELTA, (m) => this.onDelta(m));
    server.on(PRESENCE_FULL, (m) => this.onFull(m));
    server.on(PRESENCE_RESYNC, (m) => {
      if (!m || typeof m !== 'object' || m.from === this.instanceId || (m.target !== this.instanceId && m.target !== '*')) return;
      // Several instances may ask at once: one answer for all of them.
      this.fullWanted = true;
      this.publishTimer ??= setTimeout(() => this.publish(), PRESENCE_PUBLISH_MS);
    });
    this.unsubscribe = this.live.onChange((userId) => {
      this.dirty.add(userId);
      this.publishTimer ??= setTimeout(() => this.publish(), PRESENCE_PUBLISH_MS);
    });
    this.heartbeat = setInterval(() => this.beat(), PRESENCE_HEARTBEAT_MS);
    this.heartbeat.unref();
    if (this.redis?.ready) this.emit(PRESENCE_RESYNC, { from: this.instanceId, target: '*' });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    clearTimeout(this.publishTimer);
    // Goodbye: the others stop counting this instance's readers now, not after the expiry.
    this.emit(PRESENCE_FULL, { from: this.instanceId, seq: ++this.seq, users: [] });
  }

  /** The ids of users with a live reader (socket or SSE stream) in any of `rooms`, asking every instance. */
  async onlineUserIds(rooms: string[]): Promise<Set<string>> {
    const ids = this.localUserIds(rooms);
    // No Redis (not configured, or not connected now): nobody else can be asked, so do not wait.
    if (!this.server || !this.redis?.ready) return ids;
    const ask: Promise<string[][]> = this.server.serverSideEmitWithAck(PRESENCE_QUERY, rooms);
    // An instance that does not answer in time is not counted; the push itself is unaffected.
    let giveUp!: () => void;
    const lost = new Promise<string[][]>((resolve) => (giveUp = () => resolve([])));
    this.pending.add(giveUp);
    let answers: string[][];
    try {
      answers = await withTimeout(Promise.race([ask.catch((err: { responses?: string[][] }) => err.responses ?? []), lost]), PRESENCE_TIMEOUT_MS, []);
    } finally {
      this.pending.delete(giveUp);
    }
    for (const answer of answers) for (const id of answer ?? []) ids.add(id);
    return ids;
  }

  /** The same question answered at once from this instance and its copy of the others' presence (no Redis call). */
  knownOnlineUserIds(rooms: string[]): Promise<Set<string>> {
    const ids = this.localUserIds(rooms);
    if (!this.remote.size) return Promise.resolve(ids);
    const now = Date.now();
    const wanted = new Set<string>();
    const userIds: string[] = [];
    for (const room of rooms) {
      if (room.startsWith(USER_ROOM_PREFIX)) userIds.push(room.slice(USER_ROOM_PREFIX.length));
      else wanted.add(room);
    }
    for (const [id, instance] of this.remote) {
      if (now - instance.seenAt > PRESENCE_EXPIRY_MS) {
        this.remote.delete(id);
        continue;
      }
      for (const u of userIds) if (instance.users.has(u)) ids.add(u);
      if (wanted.size) for (const [u, userRooms] of instance.users) if (!ids.has(u) && userRooms.some((r) => wanted.has(r))) ids.add(u);
    }
    return Promise.resolve(ids);
  }

  private localUserIds(rooms: string[]): Set<string> {
    return this.live.localUserIds(rooms);
  }

  private emit<E extends typeof PRESENCE_DELTA | typeof PRESENCE_FULL | typeof PRESENCE_RESYNC>(event: E, message: Parameters<InterServerEvents[E]>[0]): void {
    if (!this.server || !this.redis?.ready) return;
    try {
      (this.server.serverSideEmit as (e: string, m: unknown) => boolean)(event, message);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, event }, 'could not send presence to the other instances');
    }
  }

  /** Sends what changed for the dirty users since the last message (numbered), or the whole presence if asked. */
  private publish(): void {
    this.publishTimer = undefined;
    if (this.fullWanted) return this.sendFull();
    const set: Array<[string, string[]]> = [];
    const unset: string[] = [];
    for (const userId of this.dirty) {
      const rooms = this.live.localRoomsOf(userId);
      const key = rooms?.join('\u0000');
      if (key === this.sent.get(userId)) continue;
      if (rooms && key !== undefined) {
        set.push([userId, rooms]);
        this.sent.set(userId, key);
      } else {
        unset.push(userId);
        this.sent.delete(userId);
      }
    }
    this.dirty.clear();
    if (!set.length && !unset.length) return;
    this.emit(PRESENCE_DELTA, { from: this.instanceId, seq: ++this.seq, set, unset });
  }

  private sendFull(): void {
    this.fullWanted = false;
    this.dirty.clear();
    this.sent.clear();
    const users: Array<[string, string[]]> = [];
    for (const userId of this.live.localUsers()) {
      const rooms = this.live.localRoomsOf(userId);
      if (!rooms) continue;
      users.push([userId, rooms]);
      this.sent.set(userId, rooms.join('\u0000'));
    }
    this.emit(PRESENCE_FULL, { from: this.instanceId, seq: ++this.seq, users });
  }

  private beat(): void {
    const now = Date.now();
    for (const [id, instance] of this.remote) if (now - instance.seenAt > PRESENCE_EXPIRY_MS) this.remote.delete(id);
    this.emit(PRESENCE_DELTA, { from: this.instanceId, seq: this.seq, set: [], unset: [] });
  }

  private onDelta(m: PresenceDelta): void {
    if (!m || typeof m !== 'object' || typeof m.from !== 'string' || m.from === this.instanceId || !Number.isSafeInteger(m.seq)) return;
    if (!Array.isArray(m.set) || !Array.isArray(m.unset)) return;
    const instance = this.remote.get(m.from);
    // A heartbeat carries no change and the sender's last number; a change carries the next number.
    const beat = !m.set.length && !m.unset.length;
    if (!instance || m.seq !== (beat ? instance.seq : instance.seq + 1)) {
      // A new instance, or changes this copy missed: ask for the whole of it (its answer replaces the copy).
      this.emit(PRESENCE_RESYNC, { from: this.instanceId, target: m.from });
      return;
    }
    instance.seenAt = Date.now();
    if (beat) return;
    instance.seq = m.seq;
    for (const e of m.set) if (isEntry(e)) instance.users.set(e[0], e[1]);
    for (const u of m.unset) if (typeof u === 'string') instance.users.delete(u);
  }

  private onFull(m: PresenceFull): void {
    if (!m || typeof m !== 'object' || typeof m.from !== 'string' || m.from === this.instanceId || !Number.isSafeInteger(m.seq) || !Array.isArray(m.users)) return;
    const known = this.remote.get(m.from);
    if (known && m.seq < known.seq) return; // older than what this copy has
    // (An instance that stops sends its presence empty: nobody of it is counted from then on.)
    this.remote.set(m.from, { seq: m.seq, seenAt: Date.now(), users: new Map(m.users.filter(isEntry)) });
  }
}
