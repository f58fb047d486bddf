import { type ConnectionState, HeraldClient, WebStorageCursorStorage } from '@herald/client';
import { ORDER_EVENTS, type Notification, type NotificationPage, type OrderEventType } from '@herald/contracts';
import type { Session } from './api';
import type { MessageKey } from './i18n';
import { Store } from './store';

/** Toasts coalesce by kind: each order event type on its own ("12 new orders", "3 orders paid"), approvals together. */
export type ToastGroup = OrderEventType | 'approvals' | 'other';

export interface Toast {
  key: number;
  group: ToastGroup;
  /** The burst's notifications, oldest first (capped, keeping the newest of each type); `count` is the whole burst. */
  items: Notification[];
  count: number;
  updatedAt: number;
}

/** What one toast shows: the most important notification of its burst first, other outcomes named below it. */
export interface ToastView {
  /** The notification the toast leads with (it opens its item and is marked read on click); null for a same-kind order burst. */
  headline: Notification | null;
  /** How many more notifications the burst holds besides the headline. */
  more: number;
  /** One notification per other outcome in the burst (a rejection is never hidden behind an approval). */
  others: Notification[];
  /** Where "+N more" (or a same-kind burst) leads. */
  href: string;
}

export const GROUP_SUMMARY: Record<ToastGroup, MessageKey> = {
  'order.created': 'toast.order.created',
  'order.updated': 'toast.order.updated',
  'order.paid': 'toast.order.paid',
  'order.shipped': 'toast.order.shipped',
  'order.delivered': 'toast.order.delivered',
  'order.cancelled': 'toast.order.cancelled',
  approvals: 'toast.approvals',
  other: 'toast.other',
};

/** A burst keeps growing one toast while notifications of its kind keep coming within this window. */
const COALESCE_MS = 4000;
const TOAST_LIFETIME_MS = 8000;
const MAX_TOASTS = 4;
/** Notifications remembered per toast; older ones of a type that is still represented are dropped first. */
const MAX_TOAST_ITEMS = 20;
const MAX_OTHER_OUTCOMES = 2;
/** The to-do count is refetched once per burst of approval events. */
const TODO_DEBOUNCE_MS = 300;

/** Bad news first: a rejection or a cancellation leads a burst, whatever came after it. */
function importance(type: string): number {
  if (type === 'approval.rejected' || type === 'order.cancelled') return 4;
  if (type === 'approval.withdrawn') return 3;
  if (type === 'approval.approved') return 2;
  if (type.startsWith('approval.')) return 1;
  return 0;
}

export function toastView(toast: Toast): ToastView {
  const href = groupPage(toast.group);
  // A burst of one order event type says the same thing n times: "12 new orders" is the readable form.
  if (toast.count > 1 && toast.group !== 'approvals' && toast.group !== 'other') return { headline: null, more: toast.count, others: [], href };
  const ranked = [...toast.items].sort((a, b) => importance(b.type) - importance(a.type) || byNewest(a, b));
  const headline = ranked[0] ?? null;
  const types = new Set(headline ? [headline.type] : []);
  const others: Notification[] = [];
  for (const n of ranked) {
    if (others.length >= MAX_OTHER_OUTCOMES || types.has(n.type)) continue;
    types.add(n.type);
    others.push(n);
  }
  return { headline, more: Math.max(0, toast.count - 1), others, href };
}

function byNewest(a: Notification, b: Notification): number {
  return b.id.length - a.id.length || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

function withItem(items: Notification[], n: Notification): Notification[] {
  const list = [...items, n];
  if (list.length <= MAX_TOAST_ITEMS) return list;
  // Drop the oldest notification whose type another one still represents.
  const drop = list.findIndex((x, i) => list.some((y, j) => j > i && y.type === x.type));
  list.splice(drop >= 0 ? drop : 0, 1);
  return list;
}

function groupOf(n: Notification): ToastGroup {
  if ((ORDER_EVENTS as readonly string[]).includes(n.type)) return n.type as OrderEventType;
  if (n.type.startsWith('approval.')) return 'approvals';
  return 'other';
}

function groupPage(group: ToastGroup): string {
  return group === 'approvals' ? '/approvals' : group === 'other' ? '/inbox' : '/orders';
}

/** This tab's sessionStorage, or none where storage is disabled (the cursor then lives in memory). */
function tabStorage(): Storage | undefined {
  try {
    return sessionStorage;
  } catch {
    return undefined;
  }
}

export type BatchListener = (batch: Notification[]) => void;
/** Told which notifications this page marked read (all of them up to `upTo` for read-all). */
export type ReadListener = (read: { ids: string[] } | { upTo: string | null }) => void;

/**
 * The live side of a signed-in page: one HeraldClient, the unread count, toasts and the
 * "missed while away" notice. Arrivals are applied once per animation frame in one batch, so a
 * burst of hundreds of events costs a few renders, not hundreds.
 */
export class LiveHub {
  readonly client: HeraldClient;
  readonly connection = new Store<ConnectionState>('offline');
  readonly everConnected = new Store<boolean>(false);
  /** The unread badge: HeraldClient's own count (exact, kept by the client from the server's `unread`), nothing else. */
  readonly unread = new Store<number | null>(null);
  /** Requests waiting for this user's decision (approvers only; null for others and until known). */
  readonly todo = new Store<number | null>(null);
  readonly toasts = new Store<Toast[]>([]);
  readonly missed = new Store<number>(0);
  private readonly listeners = new Set<BatchListener>();
  private readonly readListeners = new Set<ReadListener>();
  private todoTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly paused = new Set<number>();
  private buffer: { n: Notification; replayed: boolean }[] = [];
  private flushScheduled = false;
  private nextKey = 1;
  private readonly sweep: ReturnType<typeof setInterval>;
  private readonly stops: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly session: Session,
    userId: string,
  ) {
    this.client = new HeraldClient({
      url: location.origin,
      getToken: () => session.getToken(),
      refreshToken: () => session.refresh(),
      // One cursor per tab (sessionStorage survives a reload, not a new tab): a cursor shared through localStorage
      // made a second tab drop every live notification the first tab had already stored as seen.
      storage: new WebStorageCursorStorage(`herald.cursor.${userId}`, tabStorage()),
      autoConnect: false,
    });
    this.stops.push(
      this.client.state.subscribe((s) => {
        this.connection.set(s);
        if (s === 'connected') this.everConnected.set(true);
      }),
      this.client.on('notification', (n, info) => this.enqueue(n, info.replayed)),
      // The server ended this device's session (or all of them): this tab and the others follow, saying why.
      this.client.on('closed', ({ reason }) => this.session.serverEnded(reason)),
      // No REST answer ever overwrites it: a count fetched before a live arrival and applied after it would be stale.
      this.client.unread.subscribe((count) => this.unread.set(count)),
      this.client.on('replay:done', ({ count }) => {
        if (count > 0) this.missed.set(count);
      }),
      // Whatever was decided while away: the to-do count is fetched afresh on every (re)connect.
      this.client.on('connected', () => this.refreshTodo()),
    );
    this.sweep = setInterval(() => this.expireToasts(), 1000);
  }

  async start(): Promise<void> {
    // First visit on this browser: start the cursor at the newest inbox item, so a reconnect
    // replays what arrives from now on, not the whole history.
    if (this.client.lastSeenId === null) {
      try {
        const page = await this.session.request<NotificationPage>('GET', '/api/notifications?limit=1');
        // An empty inbox starts at 0: then a reconnect replays whatever arrived while away.
        this.client.advanceCursor(page.items[0]?.id ?? '0');
      } catch {
        // Without a seed the first connect simply has no cursor; nothing is lost, the inbox has it all.
      }
    }
    if (!this.stopped) this.client.connect();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweep);
    clearTimeout(this.todoTimer);
    for (const stop of this.stops) stop();
    this.client.close();
  }

  /** Pages subscribe to arrivals; each call gets every notification of one frame. */
  onBatch(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pages that show read state follow reads made elsewhere on this page (a toast click, "mark all read"). */
  onRead(listener: ReadListener): () => void {
    this.readListeners.add(listener);
    return () => this.readListeners.delete(listener);
  }

  /**
   * Marks notifications read, over the socket when it is up and over REST otherwise. The badge is
   * not set from the answer: the server's `unread` event, sent to every device of the user, does it.
   */
  async markRead(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const ack = this.client.state.get() === 'connected' ? await this.client.markRead(ids).catch(() => null) : null;
    if (!ack?.ok) await this.session.request('POST', '/api/notifications/read', { ids });
    for (const listener of [...this.readListeners]) listener({ ids });
    this.toasts.update((list) => list.filter((t) => !t.items.some((n) => ids.includes(n.id)) || t.count > 1));
  }

  /** "Mark all read": everything this page has seen up to `upTo` (the newest shown) becomes read. */
  async markAllRead(upTo: string | null): Promise<void> {
    await this.session.request('POST', '/api/notifications/read-all');
    for (const listener of [...this.readListeners]) listener({ upTo });
  }

  /** Refetches the to-do count once for a burst of causes (connect, approval events, the user's own decision). */
  refreshTodo(): void {
    if (!this.isApprover()) return;
    clearTimeout(this.todoTimer);
    this.todoTimer = setTimeout(() => {
      this.session.request<{ count: number }>('GET', '/api/approvals/todo-count').then(
        ({ count }) => !this.stopped && this.todo.set(count),
        () => undefined, // the next approval event or reconnect asks again
      );
    }, TODO_DEBOUNCE_MS);
  }

  private isApprover(): boolean {
    const roles = this.session.user.get()?.roles ?? [];
    return roles.includes('manager') || roles.includes('admin');
  }

  dismissToast(key: number): void {
    this.toasts.update((list) => list.filter((t) => t.key !== key));
    this.paused.delete(key);
  }

  /** While a toast is hovered or focused it stays (WCAG: enough time to read). */
  pauseToast(key: number, paused: boolean): void {
    if (paused) this.paused.add(key);
    else {
      this.paused.delete(key);
      this.toasts.update((list) => list.map((t) => (t.key === key ? { ...t, updatedAt: Date.now() } : t)));
    }
  }

  dismissMissed(): void {
    this.missed.set(0);
  }

  private enqueue(n: Notification, replayed: boolean): void {
    this.buffer.push({ n, replayed });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // rAF pauses in background tabs; the timer makes sure state still catches up there.
    const timer = setTimeout(() => this.flush(), 250);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      this.flush();
    });
  }

  private flush(): void {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    const batch = this.buffer;
    this.buffer = [];
    const all = batch.map((b) => b.n);
    for (const listener of [...this.listeners]) listener(all);
    if (all.some((n) => n.type.startsWith('approval.'))) this.refreshTodo();
    // Replayed ones are counted in the "missed" banner; ones that arrive already read (the user's own doing) are no news.
    const live = batch.filter((b) => !b.replayed && !b.n.readAt).map((b) => b.n);
    if (live.length) this.toasts.update((list) => this.coalesce(list, live));
  }

  private coalesce(current: Toast[], arrivals: Notification[]): Toast[] {
    const now = Date.now();
    const list = [...current];
    for (const n of arrivals) {
      const group = groupOf(n);
      const index = list.findIndex((t) => t.group === group && now - t.updatedAt < COALESCE_MS);
      if (index >= 0) {
        const t = list[index];
        list[index] = { ...t, items: withItem(t.items, n), count: t.count + 1, updatedAt: now };
      } else {
        list.push({ key: this.nextKey++, group, items: [n], count: 1, updatedAt: now });
      }
    }
    return list.slice(-MAX_TOASTS);
  }

  private expireToasts(): void {
    const now = Date.now();
    const list = this.toasts.get();
    const kept = list.filter((t) => this.paused.has(t.key) || now - t.updatedAt < TOAST_LIFETIME_MS);
    if (kept.length !== list.length) this.toasts.set(kept);
  }
}
