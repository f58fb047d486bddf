import {
  editRefusal,
  nextStatuses,
  ORDER_CREATOR_ROLES,
  transitionRefusal,
  type Notification,
  type OrderDto,
  type OrderNotificationData,
  type OrderTransitionTarget,
} from '@herald/contracts';
import type { SessionUser } from './api';

/** Transition buttons that match this user's role and the order's state: the server's own rules (it stays the judge). */
export function allowedTransitions(user: SessionUser, order: Pick<OrderDto, 'status' | 'ownerId'>): OrderTransitionTarget[] {
  return nextStatuses(order.status).filter(
    (to): to is OrderTransitionTarget => to !== 'created' && transitionRefusal(user, order, to) === null,
  );
}

export function canEdit(user: SessionUser, order: Pick<OrderDto, 'status' | 'ownerId'>): boolean {
  return order.status === 'created' && editRefusal(user, order) === null;
}

export function canCreate(user: SessionUser): boolean {
  return user.roles.some((r) => ORDER_CREATOR_ROLES.includes(r));
}

/** The order fields an `order.*` notification carries (the contracts' type), or null for anything else. */
export function orderEvent(n: Notification): OrderNotificationData | null {
  if (!n.type.startsWith('order.')) return null;
  const d = n.data as Partial<OrderNotificationData>;
  return typeof d.orderId === 'string' && typeof d.status === 'string' ? (d as OrderNotificationData) : null;
}

/** Newest first, like the server's list (ids grow with creation). */
export function byIdDesc(a: { id: string }, b: { id: string }): number {
  return a.id.length !== b.id.length ? b.id.length - a.id.length : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
