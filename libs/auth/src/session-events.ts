import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';

/**
 * What happened to a user's sessions. `revoked`: logout, password change or a refresh-token family
 * revoked after reuse — live readers must close. `disabled`: likewise. `roles_changed`: live readers
 * stay but their rooms are re-evaluated.
 */
export interface SessionEvent {
  userId: string;
  kind: 'revoked' | 'disabled' | 'roles_changed';
}

/** The pg_notify channel that carries session events to every instance, sent inside the changing transaction. */
export const SESSION_CHANNEL = 'herald_session';

interface WireEvent extends SessionEvent {
  /** The instance that recorded it: it has dispatched the event locally already. */
  origin: string;
}

/**
 * The session bus. A change to a user's sessions is recorded in the transaction that makes it
 * (`record`: a pg_notify that reaches every instance's listener on commit, whatever Redis is doing)
 * and dispatched on this instance after the commit (`publish`). A listener that was disconnected
 * misses notifications, so it asks for a `resync`: every instance then re-reads the users of its
 * live readers from the database, which is the truth the events only announce.
 */
@Injectable()
export class SessionEvents {
  private readonly subject = new Subject<SessionEvent>();
  private readonly resyncs = new Subject<string>();
  /** Session events from this instance and from the others. */
  readonly events$ = this.subject.asObservable();
  /** Asks the live layer to re-check its readers against the database (with the reason, for the log). */
  readonly resync$ = this.resyncs.asObservable();
  readonly instanceId = randomUUID();

  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {}

  /** Inside the transaction that changes the sessions: other instances hear of it when it commits. */
  async record(manager: EntityManager, event: SessionEvent): Promise<void> {
    // The embedded database has one process and no cross-connection NOTIFY.
    if (this.config.embeddedDatabase) return;
    const wire: WireEvent = { ...event, origin: this.instanceId };
    await manager.query(`SELECT pg_notify($1, $2)`, [SESSION_CHANNEL, JSON.stringify(wire)]);
  }

  /** After the commit: this instance's readers react at once. */
  publish(event: SessionEvent): void {
    this.subject.next(event);
  }

  /** A payload from the listener; events this instance recorded itself were dispatched already. */
  receive(payload: string): void {
    let wire: Partial<WireEvent>;
    try {
      wire = JSON.parse(payload) as Partial<WireEvent>;
    } catch {
      return;
    }
    if (wire.origin === this.instanceId) return;
    if (typeof wire.userId !== 'string' || !['revoked', 'disabled', 'roles_changed'].includes(String(wire.kind))) return;
    this.subject.next({ userId: wire.userId, kind: wire.kind as SessionEvent['kind'] });
  }

  /** The bus may have missed events (its listener reconnected): re-check live readers. */
  requestResync(reason: string): void {
    this.resyncs.next(reason);
  }
}
