import type { Notification, UnreadCount } from '@herald/contracts';
import { compareIds } from './ids';
import { ObservableValue, type ReadonlyValue } from './observable';

/**
 * Keeps an unread count exact between the server's counts. The server's `{count, upTo}` is exact for ids up
 * to `upTo`; every unread notification received with a higher id is added on top, and dropped again when a
 * later count covers it. So a broadcast costs the server no count query per user, and the badge is still right
 * after replays, reconnects and reads on other devices (each read sends every device a new count).
 */
export class UnreadTracker {
  private base: UnreadCount | null = null;
  /** Unread notifications received with an id above base.upTo (all of them before the first count). */
  private readonly above = new Set<string>();
  private readonly value = new ObservableValue<number | null>(null);

  /** The count; null until the server's first. */
  get count(): ReadonlyValue<number | null> {
    return this.value;
  }

  /** A count from the server. One older than the count held (a lower `upTo`) is ignored. */
  adopt(next: { count: number; upTo?: string }): void {
    if (!Number.isInteger(next.count) || next.count < 0) return;
    // A server without `upTo` gives an absolute count: nothing received so far is above it.
    const upTo = typeof next.upTo === 'string' && /^\d+$/.test(next.upTo) ? next.upTo : null;
    if (upTo !== null && this.base && compareIds(upTo, this.base.upTo) < 0) return;
    if (upTo === null) this.above.clear();
    else for (const id of this.above) if (compareIds(id, upTo) <= 0) this.above.delete(id);
    this.base = { count: next.count, upTo: upTo ?? this.base?.upTo ?? '0' };
    this.publish();
  }

  /** A notification delivered (live or replayed, duplicates already dropped). */
  received(n: Pick<Notification, 'id' | 'readAt'>): void {
    if (n.readAt) return;
    if (this.base && compareIds(n.id, this.base.upTo) <= 0) return;
    this.above.add(n.id);
    this.publish();
  }

  /** Ids this device just marked read: gone from the count at once (the server's next count confirms). */
  read(ids: readonly string[]): void {
    let changed = false;
    for (const id of ids) changed = this.above.delete(id) || changed;
    if (changed) this.publish();
  }

  private publish(): void {
    if (this.base) this.value.set(this.base.count + this.above.size);
  }
}
