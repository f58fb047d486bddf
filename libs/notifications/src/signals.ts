import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/**
 * In-process wake-ups, always on (the embedded database has no working LISTEN/NOTIFY across
 * connections). On PostgreSQL, PgNotifyListener adds wake-ups from the other instances.
 */
@Injectable()
export class Signals {
  /**
   * This instance's mark, sent as the payload of its own pg_notify wake-ups: its listener skips them, as the
   * in-process signal after the commit has already woken the loop (else each commit costs a second, empty read).
   */
  readonly origin = randomUUID();
  private readonly outboxListeners = new Set<() => void>();
  private readonly notificationListeners = new Set<() => void>();

  onOutbox(fn: () => void): () => void {
    this.outboxListeners.add(fn);
    return () => this.outboxListeners.delete(fn);
  }

  onNotifications(fn: () => void): () => void {
    this.notificationListeners.add(fn);
    return () => this.notificationListeners.delete(fn);
  }

  /** A transaction that wrote outbox rows committed. */
  outboxCommitted(): void {
    for (const fn of this.outboxListeners) fn();
  }

  /** A transaction that wrote notifications committed. */
  notificationsCommitted(): void {
    for (const fn of this.notificationListeners) fn();
  }
}

/** Channels of pg_notify, sent inside the writing transaction so they arrive only on commit. */
export const OUTBOX_CHANNEL = 'herald_outbox';
export const NOTIFICATIONS_CHANNEL = 'herald_notifications';
