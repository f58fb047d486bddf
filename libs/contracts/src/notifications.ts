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
  /** 1 when sent; each update in place (PATCH /api/push/:id, a decided approval card) adds one. */
  version?: number;
  /** When it was last updated in place (absent before the first update). */
  updatedAt?: string;
}

/** `notification:receipts`, to the actor's sockets as people read (coalesced): what GET …/receipts counts. */
export interface NotificationReceiptCounts {
  id: string;
  recipients: number;
  delivered: number;
  read: number;
}

/** One recipient in GET /api/notifications/:id/receipts (and /api/push/:id/receipts). */
export interface ReceiptItem {
  userId: string;
  displayName: string;
  /** When a live connection of the user first received it (or, without one, when they read it); null: not yet. */
  deliveredAt: string | null;
  readAt: string | null;
}

export interface NotificationReceipts extends NotificationReceiptCounts {
  items: ReceiptItem[];
  nextCursor: string | null;
}

/** `POST /api/notifications/:id/recall`, `DELETE /api/push/:id`: the same answer however often it is asked. */
export interface RecallResult {
  id: string;
  recalledAt: string;
}

/** `notification:recalled`: drop this id from every list and count (SSE: `event: notification.recalled`). */
export interface NotificationRecalled {
  id: string;
}

/** `notification:seen`, to the user's other devices: these ids (or, with `upTo`, everything up to it) were seen. */
export interface NotificationsSeen {
  ids: string[];
  upTo: string | null;
}

/** `notification:archived`, to the user's other devices: these ids moved to (archived: true) or out of the archive. */
export interface NotificationsArchived {
  ids: string[];
  archived: boolean;
}

/** GET /api/notifications/unread-count: `unseen` counts unread notifications not yet seen (capped at MAX_UNSEEN_COUNT). */
export interface InboxCounts extends UnreadCount {
  unseen: number;
}

/** Unseen counts stop here (a badge shows "999+"): counting a whole history for a badge is not worth it. */
export const MAX_UNSEEN_COUNT = 999;

/** PATCH /api/push/:id */
export interface NotificationPatch {
  title?: string;
  body?: string;
  data?: Record<string, unknown>;
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

/** POST /api/push/batch: up to 1,000 pushes written in one transaction. */
export interface PushBatchRequest {
  items: PushRequest[];
}

/** An item of a batch that was not written, as the single push would have refused it. */
export interface PushItemError {
  error: { statusCode: number; code: string; message: string; field?: string };
}

/** One answer per item, in the order of the request. */
export interface PushBatchResponse {
  items: Array<PushResponse | PushItemError>;
}

/** Room names are decided by the server; these build them. */
export const Rooms = {
  user: (id: string | number) => `user:${id}`,
  role: (role: string) => `role:${role}`,
  orders: 'orders',
  approvals: 'approvals',
  all: 'all',
} as const;
