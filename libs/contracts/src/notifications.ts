/** One durable notification, as the inbox, the socket and SSE carry it. */
export interface Notification<TData = Record<string, unknown>> {
  /** A decimal string of a number that grows in commit order. */
  id: string;
  type: string;
  title: string;
  body: string;
  data: TData;
  /** The first room it was addressed to that concerns the reader (e.g. `user:42`, `orders`). */
  room: string;
  /** Where it came from: `orders`, `approvals`, or `push:<api key name>`. */
  source: string;
  createdAt: string;
  readAt: string | null;
}

/**
 * A user's unread count, exact for every notification with an id up to `upTo`. A client keeps its badge
 * exact by adding the unread notifications it receives with a higher id, and adopting each new count.
 */
export interface UnreadCount {
  count: number;
  upTo: string;
}

export interface NotificationPage {
  items: Notification[];
  nextCursor: string | null;
}

/** Audience of a push: any combination; `all` reaches every active user. */
export interface PushTarget {
  userIds?: string[];
  rooms?: string[];
  all?: boolean;
}

export interface PushRequest {
  to: PushTarget;
  type: string;
  title: string;
  body?: string;
  data?: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface PushResponse {
  ids: string[];
  recipients: number;
  online: number;
}

/** Room names are decided by the server; these build them. */
export const Rooms = {
  user: (id: string | number) => `user:${id}`,
  role: (role: string) => `role:${role}`,
  orders: 'orders',
  approvals: 'approvals',
  all: 'all',
} as const;
