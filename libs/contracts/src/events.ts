import type {
  ApprovalDecision,
  ApprovalEventPayload,
  ApprovalEventType,
  ApprovalKind,
  ApprovalStatus,
  ApprovalTimerEventPayload,
  ApprovalTimerEventType,
  EscalationTarget,
} from './approvals';
import type { Notification } from './notifications';
import type { OrderEventPayload, OrderEventType, OrderStatus } from './orders';

/** Every domain event name, with the payload its outbox row carries. */
export type DomainEventMap = { [K in OrderEventType]: OrderEventPayload } & { [K in ApprovalEventType]: ApprovalEventPayload } & {
  [K in ApprovalTimerEventType]: ApprovalTimerEventPayload;
};
export type DomainEventType = keyof DomainEventMap;

/** `notification.data` of an order notification: enough to render it without another request. */
export interface OrderNotificationData {
  orderId: string;
  number: string;
  customer: string;
  total: string;
  status: OrderStatus;
  ownerId: string;
  itemCount: number;
  previousStatus: OrderStatus | null;
  actorId: string;
  actorName: string;
  /** Path of the order in the web UI: `/orders/<id>`. */
  link: string;
}

/** The approval as every approval notification's `data` carries it, with its web path. */
export interface ApprovalNotificationSummary {
  approvalId: string;
  kind: ApprovalKind;
  title: string;
  amount: string | null;
  status: ApprovalStatus;
  applicantId: string;
  applicantName: string;
  currentStep: number;
  stepCount: number;
  currentApproverId: string | null;
  /** Path of the approval in the web UI: `/approvals/<id>`. */
  link: string;
}

/** `notification.data` of an approval notification. */
export interface ApprovalNotificationData extends ApprovalNotificationSummary {
  decision: ApprovalDecision | null;
  comment: string | null;
  /** Display name of whoever decided, for decisions. */
  decidedBy: string | null;
  actorId: string;
  actorName: string;
}

/** `notification.data` of `approval.reminder` / `approval.escalated`: the approval, the step that waits, and for how long. */
export interface ApprovalTimerNotificationData extends ApprovalNotificationSummary {
  approverId: string;
  approverName: string;
  waitingSince: string;
  waitedSeconds: number;
  /** approval.escalated only; null for reminders. */
  escalateTo: EscalationTarget | null;
}

/** Notification type → the shape of its `data`. Pushes from other systems carry their own free `data`. */
export type NotificationDataMap = { [K in OrderEventType]: OrderNotificationData } & { [K in ApprovalEventType]: ApprovalNotificationData } & {
  [K in ApprovalTimerEventType]: ApprovalTimerNotificationData;
};

/** A notification of a known domain type, with its `data` typed. */
export type DomainNotification<K extends DomainEventType = DomainEventType> = Notification<NotificationDataMap[K]> & { type: K };
