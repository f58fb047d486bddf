import { type ConnectionState, HeraldClient, WebStorageCursorStorage } from '@herald/client';
import { ORDER_EVENTS, type Notification, type NotificationPage, type OrderEventType } from '@herald/contracts';
import type { Session } from './api';
import { notificationLink } from './format';
import type { MessageKey } from './i18n';
import { Store } from './store';

/** Toasts coalesce by kind: each order event type on its own ("12 new orders", "3 orders paid"), approvals together. */
export type ToastGroup = OrderEventType | 'approvals' | 'other';

export interface Toast {
  key: number;
  group: ToastGroup;
  /** One notification (shown with its own title and link) or a coalesced burst of `count`. */
  single: Notification | null;
  count: number;
  href: string | null;
  updatedAt: number;
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

function groupOf(n: Notification): ToastGroup {
  if ((ORDER_EVENTS as readonly string[]).includes(n.type)) return n.type as OrderEventType;
  if (n.type.startsWith('approval.')) return 'approvals';
  return 'other';
}

function groupPage(group: ToastGroup): string {
  return group === 'approvals' ? '/approvals' : group === 'other' ? '/inbox' : '/orders';
}

export type BatchListener = (batch: Notification[]) => void;

/**
 * The live side of a signed-in page: one HeraldClient, the unread count, toasts and the
 * "missed while away" notice. Arrivals are applied once per animation frame in one batch, so a
 * burst of hundreds of events costs a few renders, not hundreds.
 */
export class LiveHub {
  readonly client: HeraldClient;
  readonly connection = new Store<ConnectionState>('offline');
  readonly everConnected = new Store<boolean>(false);
  readonly unread = new Store<number | null>(null);
  readonly toasts = new Store<Toast[]>([]);
  readonly missed = new Store<number>(0);
  private readonly listeners = new Set<BatchListener>();
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
      storage: new WebStorageCursorStorage(`herald.cursor.${userId}`),
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
      this.client.on('unread', ({ count }) => this.unread.set(count)),
      this.client.on('replay:done', ({ count }) => {
        if (count > 0) this.missed.set(count);
      }),
      // After every (re)connect the count from REST is the truth, whatever was missed meanwhile.
      this.client.on('connected', () => void this.refreshUnread()),
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
    for (const stop of this.stops) stop();
    this.client.close();
  }

  /** Pages subscribe to arrivals; each call gets every notification of one frame. */
  onBatch(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refreshUnread(): Promise<void> {
    try {
      const { count } = await this.session.request<{ count: number }>('GET', '/api/notifications/unread-count');
      this.unread.set(count);
    } catch {
      // The next `unread` event or reconnect corrects it.
    }
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
    const live = batch.filter((b) => !b.replayed).map((b) => b.n);
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
        list[index] = { ...t, single: null, count: t.count + 1, href: groupPage(group), updatedAt: now };
      } else {
        list.push({ key: this.nextKey++, group, single: n, count: 1, href: notificationLink(n), updatedAt: now });
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
