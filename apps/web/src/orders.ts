import type { Notification, OrderDto, OrderStatus } from '@herald/contracts';
import type { SessionUser } from './api';

type Target = Exclude<OrderStatus, 'created'>;

/** The state machine, as the server enforces it (the server stays the judge; this only picks buttons). */
const NEXT: Record<OrderStatus, readonly Target[]> = {
  created: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** Transition buttons that match this user's role and the order's state. */
export function allowedTransitions(user: SessionUser, order: Pick<OrderDto, 'status' | 'ownerId'>): Target[] {
  const admin = user.roles.includes('admin');
  return NEXT[order.status].filter((to) => {
    if (admin) return true;
    if (to === 'paid') return user.roles.includes('finance');
    if (to === 'shipped' || to === 'delivered') return user.roles.includes('warehouse');
    return order.ownerId === user.id;
  });
}

export function canEdit(user: SessionUser, order: Pick<OrderDto, 'status' | 'ownerId'>): boolean {
  return order.status === 'created' && (user.roles.includes('admin') || (user.roles.includes('sales') && order.ownerId === user.id));
}

export function canCreate(user: SessionUser): boolean {
  return user.roles.includes('sales') || user.roles.includes('admin');
}

export interface OrderEventData {
  orderId: string;
  number: string;
  customer: string;
  total: string;
  status: OrderStatus;
}

/** The order fields an `order.*` notification carries, or null for anything else. */
export function orderEvent(n: Notification): OrderEventData | null {
  if (!n.type.startsWith('order.')) return null;
  const d = n.data as Partial<OrderEventData>;
  return typeof d.orderId === 'string' && typeof d.status === 'string' ? (d as OrderEventData) : null;
}

/** Newest first, like the server's list (ids grow with creation). */
export function byIdDesc(a: { id: string }, b: { id: string }): number {
  return a.id.length !== b.id.length ? b.id.length - a.id.length : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
