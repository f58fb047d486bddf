import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import type { Notification, ServerToClientEvents } from '@herald/contracts';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { NotificationStore, roomAsSeenBy, StoredNotification, toNotification } from './notification-store';
import { NotificationMetrics } from './notification-metrics';
import { DeliveryMarks } from './follow-up/delivery-marks.service';
import { Signals } from './signals';
import { WakeableLoop } from './wakeable-loop';

/** Bounds of the work one wake-up or one replay page may do. */
export const FEED_BATCH = 500;
export const REPLAY_PAGE = 500;

/** A live reader of notifications on this instance: a socket or an SSE stream. */
export interface FeedSubscriber {
  readonly userId: string;
  /** The rooms the reader belongs to now. */
  rooms: readonly string[];
  /** `replay`: caught up from the database; `live`: from the tail, possibly with many other readers at once. */
  deliver(notification: Notification, mode: 'replay' | 'live'): void;
  /** A change to something sent already (recalled, updated, receipts, seen, archived), to pass on as it is. */
  signal?<E extends LiveSignal>(event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void;
}

/** The events about notifications already sent that live readers are told of. */
export type LiveSignal = 'notification:recalled' | 'notification:updated' | 'notification:receipts' | 'notification:seen' | 'notification:archived';

/** Recalled ids remembered to hold back from readers that were still replaying (a recall is rare; this is plenty). */
const RECALLED_MEMORY = 10_000;

interface Subscription {
  sub: FeedSubscriber;
  /** Highest id delivered (or known not to concern the reader). */
  cursor: bigint;
  live: boolean;
  closed: boolean;
  /**
   * While replaying: what the tailer offered this reader meanwhile, in id order (null once it
   * overflowed; the replay then reads those ids from the database instead).
   */
  pending: StoredNotification[] | null;
}

/**
 * Replay pages read from the database at once, across all readers: a reconnect storm (or readers
 * that ask for a long history) then queues here, page by page in turn, instead of taking the
 * database and the CPU from the requests of people at work (with 40 stalled readers, another user's
 * REST p95 was 596 ms at 3, 153-161 ms at 1).
 */
export const REPLAY_CONCURRENCY = 1;

/** A counting semaphore: at most `slots` holders at a time, the rest wait in order. */
class Slots {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** Notifications held for one replaying reader before it goes live; past this it reads them from the database. */
export const MAX_PENDING_PER_READER = 1000;

export interface AttachOptions {
  /** Resolves when the reader can take the next replay page (its transport's buffer is below its bound). */
  pace?: () => Promise<void>;
}

export interface AttachResult {
  /** How many notifications the replay delivered. */
  replayed: number;
  lastId: string | null;
  /** Where the reader now is: everything up to it was delivered or does not concern it. */
  position: string;
  detach(): void;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Delivers notifications to the readers connected to this instance by tailing the notifications
 * table in id order. Because ids become visible in the order they grow, reading `id > last` never
 * skips one, whichever instance wrote it and whether or not that instance crashed afterwards.
 * A reader that comes back with a cursor is replayed from the database first and switched to live
 * delivery at a point where nothing can fall between the two (see attach()).
 */
@Injectable()
export class NotificationFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(NotificationFeed.name);
  private readonly loop: WakeableLoop;
  private readonly byRoom = new Map<string, Set<Subscription>>();
  private readonly subscriptions = new Map<FeedSubscriber, Subscription>();
  private unsubscribe?: () => void;
  private readonly replaySlots = new Slots(REPLAY_CONCURRENCY);
  /** Highest id read from the table; every id up to it has been offered to live readers. */
  private lastId = 0n;
  /** Recently recalled ids: never delivered from a held list or the tail after their recall was announced. */
  private readonly recalled = new Set<string>();

  constructor(
    private readonly store: NotificationStore,
    private readonly signals: Signals,
    private readonly metrics: NotificationMetrics,
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly marks: DeliveryMarks,
  ) {
    this.loop = new WakeableLoop('NotificationFeed', () => this.tail(), config.embeddedDatabase ? 250 : 1000, this.log);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.lastId = BigInt(await this.store.maxId());
    this.unsubscribe = this.signals.onNotifications(() => this.loop.wake());
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  /** Wakes the tailer (after a commit seen by another channel, e.g. pg NOTIFY). */
  wake(): void {
    this.loop.wake();
  }

  /** Live readers attached on this instance. */
  get size(): number {
    return this.subscriptions.size;
  }

  /**
   * Registers a reader. Without `lastSeenId` it gets only what is committed from now on. With it,
   * it first gets every notification after that id it may see, in order, then live ones. While it
   * replays, what the tailer offers it is held (bounded); once a replay page comes back short,
   * everything up to the tailer's position when that query began was in it, and everything after
   * is in the held list, so the reader goes live at once, whatever the traffic: no gap, no repeat.
   */
  async attach(sub: FeedSubscriber, lastSeenId?: string, options: AttachOptions = {}): Promise<AttachResult> {
    const s: Subscription = { sub, cursor: this.lastId, live: false, closed: false, pending: [] };
    this.subscriptions.set(sub, s);
    this.index(s, sub.rooms);
    const detach = () => this.detach(sub);
    if (lastSeenId === undefined) {
      s.live = true;
      s.pending = null;
      this.marks.track(sub, sub.userId, s.cursor);
      return { replayed: 0, lastId: null, position: s.cursor.toString(), detach };
    }
    s.cursor = BigInt(lastSeenId);
    this.metrics.replays?.inc();
    // An id beyond anything committed (a cursor from before a database restore) would hide what comes next.
    const committed = BigInt(await this.store.maxId());
    if (s.cursor > committed) s.cursor = committed;
    this.marks.track(sub, sub.userId, s.cursor);
    let replayed = 0;
    let lastId: string | null = null;
    const deliver = (n: StoredNotification) => {
      s.cursor = BigInt(n.id);
      if (this.recalled.has(n.id)) return;
      s.sub.deliver(toNotification(n, s.sub), 'replay');
      this.marks.delivered(sub, s.cursor);
      lastId = n.id;
      replayed++;
    };
    for (;;) {
      if (s.closed) break;
      if (options.pace) await options.pace();
      if (s.closed) break;
      // Held arrivals are complete from here on only if the list has not overflowed since.
      if (s.pending === null) s.pending = [];
      const heldFromStart = s.pending;
      const page = await this.replaySlots.run(() => this.store.visibleAfter(sub.rooms, s.cursor.toString(), REPLAY_PAGE));
      for (const n of page) {
        if (s.closed) break;
        deliver(n);
      }
      this.metrics.delivered?.inc({ mode: 'replay' }, page.length);
      if (s.closed) break;
      if (page.length === REPLAY_PAGE) {
        await yieldToEventLoop(); // let other sockets breathe between pages of a long backlog
        continue;
      }
      if (s.pending !== heldFromStart) continue; // overflowed meanwhile: read the rest from the database
      // The short page held everything visible up to the tail's position when it began; the held
      // list has everything the tailer offered since. Switch synchronously, so nothing falls between.
      for (const n of heldFromStart) if (BigInt(n.id) > s.cursor) deliver(n);
      s.pending = null;
      if (s.cursor < this.lastId) s.cursor = this.lastId;
      s.live = true;
      break;
    }
    return { replayed, lastId, position: s.cursor.toString(), detach };
  }

  /** The reader's rooms changed (role change): later notifications follow the new rooms. */
  updateRooms(sub: FeedSubscriber, rooms: readonly string[]): void {
    const s = this.subscriptions.get(sub);
    if (!s) return;
    this.unindex(s);
    sub.rooms = rooms;
    this.index(s, rooms);
  }

  detach(sub: FeedSubscriber): void {
    const s = this.subscriptions.get(sub);
    if (!s) return;
    this.marks.untrack(sub);
    s.closed = true;
    this.unindex(s);
    this.subscriptions.delete(sub);
  }

  /** The readers on this instance in any of `rooms` (live or still replaying), each once. */
  readersIn(rooms: readonly string[]): FeedSubscriber[] {
    const found = new Set<FeedSubscriber>();
    for (const room of rooms) for (const s of this.byRoom.get(room) ?? []) if (!s.closed) found.add(s.sub);
    return [...found];
  }

  /** A recalled id: readers that have not got it yet will not (a replay's database pages leave it out already). */
  forget(id: string): void {
    this.recalled.add(id);
    if (this.recalled.size > RECALLED_MEMORY) this.recalled.delete(this.recalled.values().next().value as string);
  }

  private index(s: Subscription, rooms: readonly string[]): void {
    for (const room of rooms) {
      let set = this.byRoom.get(room);
      if (!set) this.byRoom.set(room, (set = new Set()));
      set.add(s);
    }
  }

  private unindex(s: Subscription): void {
    for (const room of s.sub.rooms) {
      const set = this.byRoom.get(room);
      set?.delete(s);
      if (set && !set.size) this.byRoom.delete(room);
    }
  }

  /** Reads the next batch after lastId and offers each notification to the live readers of its rooms. */
  private async tail(): Promise<boolean> {
    const batch = await this.store.after(this.lastId.toString(), FEED_BATCH);
    for (const n of batch) {
      this.offer(n);
      this.lastId = BigInt(n.id);
    }
    return batch.length === FEED_BATCH;
  }

  private offer(n: StoredNotification): void {
    if (this.recalled.has(n.id)) return;
    const id = BigInt(n.id);
    // A reader in several addressed rooms gets it once: only then is there anything to remember.
    const seen = n.rooms.length > 1 ? new Set<Subscription>() : undefined;
    let live = 0;
    // Readers who see it in the same room and unread get the very same object: one allocation per room, not per
    // reader, and the socket gateway sends one broadcast per object (a 1,000-reader room made 1,000 copies).
    const unreadCopies = new Map<string, Notification>();
    for (const room of n.rooms) {
      const set = this.byRoom.get(room);
      if (!set) continue;
      for (const s of set) {
        if (seen) {
          if (seen.has(s)) continue;
          seen.add(s);
        }
        if (s.closed || id <= s.cursor) continue;
        if (!s.live) {
          if (s.pending && s.pending.push(n) > MAX_PENDING_PER_READER) s.pending = null;
          continue;
        }
        s.cursor = id;
        try {
          let copy: Notification;
          if (n.readBy.length && n.readBy.includes(s.sub.userId)) copy = toNotification(n, s.sub);
          else {
            const seenIn = roomAsSeenBy(n, s.sub);
            let shared = unreadCopies.get(seenIn);
            if (!shared) unreadCopies.set(seenIn, (shared = toNotification(n, s.sub)));
            copy = shared;
          }
          s.sub.deliver(copy, 'live');
          this.marks.delivered(s.sub, id);
          live++;
        } catch (err) {
          this.log.warn({ err, userId: s.sub.userId }, 'delivery to a reader failed');
        }
      }
    }
    if (live) {
      this.metrics.delivered?.inc({ mode: 'live' }, live);
      this.metrics.observeLatency(n.createdAt); // once per notification, however many readers
    }
  }
}
