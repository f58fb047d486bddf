import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';

/**
 * What happened to a user's sessions. `revoked`: every session ended (sign out everywhere, password
 * change) — all live readers of the user close. `session_ended`: one session (`sessionId`, a
 * refresh-token family: one device) ended by its sign-out or after refresh-token reuse — only that
 * session's readers close. `disabled`: all close. `roles_changed`: readers stay, rooms are re-evaluated.
 */
export type SessionEvent =
  | { userId: string; kind: 'revoked' | 'disabled' | 'roles_changed' }
  | { userId: string; kind: 'session_ended'; sessionId: string };

const KINDS: ReadonlyArray<SessionEvent['kind']> = ['revoked', 'disabled', 'roles_changed', 'session_ended'];

/** The pg_notify channel that carries session events to every instance, sent inside the changing transaction. */
export const SESSION_CHANNEL = 'herald_session';

type WireEvent = SessionEvent & {
  /** The instance that recorded it: it has dispatched the event locally already. */
  origin: string;
};

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
    let wire: { origin?: unknown; userId?: unknown; kind?: unknown; sessionId?: unknown };
    try {
      wire = JSON.parse(payload) as typeof wire;
    } catch {
      return;
    }
    if (wire.origin === this.instanceId) return;
    const kind = KINDS.find((k) => k === wire.kind);
    if (typeof wire.userId !== 'string' || !kind) return;
    if (kind === 'session_ended') {
      if (typeof wire.sessionId === 'string') this.subject.next({ userId: wire.userId, kind, sessionId: wire.sessionId });
      return;
    }
    this.subject.next({ userId: wire.userId, kind });
  }

  /** The bus may have missed events (its listener reconnected): re-check live readers. */
  requestResync(reason: string): void {
    this.resyncs.next(reason);
  }
}
