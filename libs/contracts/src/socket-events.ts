import type { ApprovalDto, DecideRequest } from './approvals';
import type { Ack } from './errors';
import type { Notification } from './notifications';

/** Events the server sends to a client, with their payloads. */
export interface ServerToClientEvents {
  notification: (notification: Notification) => void;
  unread: (payload: { count: number }) => void;
  /** Sent once the replay asked for by `lastSeenId` has been delivered: `count` notifications were missed. */
  'replay:done': (payload: { count: number; lastId: string | null }) => void;
}

export interface ReadRequest {
  ids: string[];
}

export interface AuthRefreshRequest {
  token: string;
}

/** Events a client sends to the server; each is answered through its ack. */
export interface ClientToServerEvents {
  'notifications:read': (payload: ReadRequest, ack: (answer: Ack<{ unread: number }>) => void) => void;
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
  read: 'notifications:read',
  authRefresh: 'auth:refresh',
  approvalsDecide: 'approvals:decide',
} as const;
