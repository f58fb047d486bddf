import type { Notification, ServerToClientEvents, SessionCloseReason } from '@herald/contracts';
import type { LiveSignal } from '../notification-feed.service';

/**
 * What a transport (a Socket.IO socket, an SSE response) supplies to a live session: deliver,
 * report its unsent bytes, follow a change of rooms, and close. Everything else a live reader is —
 * rooms, replay, expiry, session rules, backpressure — lives in LiveSession.
 */
export interface LiveTransport {
  readonly kind: 'socket' | 'sse';
  /** Writes one notification; `live` ones may be batched by the transport within a tick. */
  deliver(notification: Notification, mode: 'replay' | 'live'): void;
  /** A change to a notification sent already (recalled, updated, receipts, seen, archived). */
  signal(event: LiveSignal, payload: Parameters<ServerToClientEvents[LiveSignal]>[0]): void;
  /** Bytes written but not yet taken by the network (application buffers and the socket's). */
  bufferedBytes(): number;
  /** The reader's rooms changed (role change); a transport with rooms of its own re-joins them. */
  roomsChanged(rooms: readonly string[]): void;
  /** Tells the reader why and closes the connection. Called once. */
  close(reason: SessionCloseReason, message: string): void;
}
