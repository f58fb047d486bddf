import type { ApprovalDto, DecideRequest } from './approvals';
import type { Ack } from './errors';
import type { Notification, NotificationReceiptCounts, NotificationRecalled, NotificationsArchived, NotificationsSeen, UnreadCount } from './notifications';

/** Events the server sends to a client, with their payloads. */
export interface ServerToClientEvents {
  notification: (notification: Notification) => void;
  /** Sent on connect (after any replay) and to every device of the user after each read: see UnreadCount. */
  unread: (payload: UnreadCount) => void;
  /**
   * Sent once the replay asked for by `lastSeenId` has been delivered: `count` notifications were missed.
   * `position` is where the server now has this reader (a stream position, "0" before the first id):
   * the client adopts it as its cursor, also when it is lower than the one it sent (a clamped cursor).
   */
  'replay:done': (payload: ReplayDone) => void;
  /** The access token expired without `auth:refresh`; the server closes the connection next. Same name on SSE. */
  auth_expired: (payload: { message: string }) => void;
  /** Old name of `auth_expired`, still sent. */
  'auth:expired': (payload: { message: string }) => void;
  /** The server is about to close this reader, and why (SSE: `event: session.closed`). */
  'session:closed': (payload: SessionClosed) => void;
  /** A notification was recalled by its sender: remove it (SSE: `event: notification.recalled`). A new `unread` follows. */
  'notification:recalled': (payload: NotificationRecalled) => void;
  /** A notification changed in place: the whole new notification, with a higher `version` (SSE: `notification.updated`). */
  'notification:updated': (notification: Notification) => void;
  /** To the actor's sockets: how many of the recipients got and read what they caused (coalesced, ≤ 1/s per id). */
  'notification:receipts': (payload: NotificationReceiptCounts) => void;
  /** Another device of the user marked these seen (SSE: `notification.seen`). */
  'notification:seen': (payload: NotificationsSeen) => void;
  /** Another device of the user archived or unarchived these (SSE: `notification.archived`). */
  'notification:archived': (payload: NotificationsArchived) => void;
}

export interface ReplayDone {
  count: number;
  lastId: string | null;
  position: string;
}

/** Why the server ended a live reader (socket or SSE stream). */
export type SessionCloseReason =
  /** The access token expired and no newer one arrived. */
  | 'token_expired'
  /** Every session of the user ended (sign out everywhere, password change): log in again. */
  | 'session_revoked'
  /** This device's session ended (it signed out, or its refresh-token family was revoked after reuse); other devices go on. */
  | 'signed_out'
  /** The account was disabled. */
  | 'user_disabled'
  /** The reader stopped reading: its unsent data stayed over the limit. Reconnect to resume from the cursor. */
  | 'slow_reader'
  /** The server is shutting down; reconnect (another instance may answer). */
  | 'server_shutdown'
  /** The server could not serve the reader (its database did not answer); reconnect with backoff. */
  | 'unavailable';

export interface SessionClosed {
  reason: SessionCloseReason;
  message: string;
}

export interface ReadRequest {
  ids: string[];
}

export interface AuthRefreshRequest {
  token: string;
}

/** Events a client sends to the server; each is answered through its ack. */
export interface ClientToServerEvents {
  'notifications:read': (payload: ReadRequest, ack: (answer: Ack<{ unread: number; upTo: string }>) => void) => void;
  'auth:refresh': (payload: AuthRefreshRequest, ack: (answer: Ack<{ expiresAt: string }>) => void) => void;
  'approvals:decide': (payload: DecideRequest, ack: (answer: Ack<{ approval: ApprovalDto }>) => void) => void;
}

/** What a client puts in `io(url, { auth })`. */
export interface HandshakeAuth {
  token: string;
  lastSeenId?: string;
}

/** Event names as constants, for code that prefers not to type strings. */
export const SocketEvents = {
  notification: 'notification',
  unread: 'unread',
  replayDone: 'replay:done',
  authExpired: 'auth_expired',
  authExpiredLegacy: 'auth:expired',
  sessionClosed: 'session:closed',
  recalled: 'notification:recalled',
  updated: 'notification:updated',
  receipts: 'notification:receipts',
  seen: 'notification:seen',
  archived: 'notification:archived',
  read: 'notifications:read',
  authRefresh: 'auth:refresh',
  approvalsDecide: 'approvals:decide',
} as const;
