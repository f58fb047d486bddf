import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@herald/common';

/** Why a handshake may be refused: the `code` of its connect_error (anything else counts as `other`). */
export const HANDSHAKE_REFUSAL_CODES = ['missing_token', 'invalid_token', 'token_expired', 'user_disabled', 'bad_request', 'too_many_sockets', 'unavailable'] as const;

/** Socket.IO's disconnect reasons, server side (an unknown one, from a later Socket.IO, counts as `other`). */
export const DISCONNECT_REASONS = [
  'transport close',
  'transport error',
  'ping timeout',
  'parse error',
  'forced close',
  'forced server close',
  'server namespace disconnect',
  'client namespace disconnect',
  'server shutting down',
] as const;

const bounded = (known: readonly string[], value: unknown): string =>
  typeof value === 'string' && known.includes(value) ? value : 'other';

/** Counters the gateway bumps: handshakes refused by code, disconnects by reason (label sets are bounded). */
@Injectable()
export class SocketMetrics {
  private readonly refused?: Counter<'code'>;
  private readonly disconnects?: Counter<'reason'>;

  constructor(@Optional() @Inject(METRICS_REGISTRY) registry?: Registry) {
    if (!registry) return;
    this.refused = new Counter({
      name: 'herald_socket_handshakes_refused_total',
      help: 'Socket.IO handshakes refused, by the code of the connect_error (missing_token, invalid_token, token_expired, user_disabled, bad_request, too_many_sockets, unavailable)',
      labelNames: ['code'],
      registers: [registry],
    });
    this.disconnects = new Counter({
      name: 'herald_socket_disconnects_total',
      help: 'Socket.IO connections closed, by Socket.IO\'s disconnect reason (transport close, ping timeout, client namespace disconnect, …; other for any unknown one)',
      labelNames: ['reason'],
      registers: [registry],
    });
    // Zero series from the start, so that rate() and dashboards see every code before the first refusal.
    for (const code of HANDSHAKE_REFUSAL_CODES) this.refused.inc({ code }, 0);
  }

  /** A handshake refused with this code, or with this error from handshakeError (its `data.code`). */
  handshakeRefused(refusal: string | Error): void {
    const code = typeof refusal === 'string' ? refusal : (refusal as { data?: { code?: unknown } }).data?.code;
    this.refused?.inc({ code: bounded(HANDSHAKE_REFUSAL_CODES, code) });
  }

  disconnected(reason: unknown): void {
    this.disconnects?.inc({ reason: bounded(DISCONNECT_REASONS, reason) });
  }
}
