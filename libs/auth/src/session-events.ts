import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';

/**
 * What happened to a user's sessions. `revoked`: logout, password change or a refresh-token family
 * revoked after reuse — live sockets must close. `disabled`: likewise. `roles_changed`: live sockets
 * stay but their rooms are re-evaluated.
 */
export interface SessionEvent {
  userId: string;
  kind: 'revoked' | 'disabled' | 'roles_changed';
}

/** In-process stream of session events; the realtime layer carries them to every instance. */
@Injectable()
export class SessionEvents {
  private readonly subject = new Subject<SessionEvent>();
  readonly events$ = this.subject.asObservable();

  publish(event: SessionEvent): void {
    this.subject.next(event);
  }
}
