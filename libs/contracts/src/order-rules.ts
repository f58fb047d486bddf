import type { OrderStatus } from './orders';
import { ROOM_ROLES, type Role } from './roles';

/**
 * The order state machine and who may make each move: one source for the server (which enforces
 * it) and the web UI (which only offers the buttons it allows).
 */

/** Roles that may list and read orders: the members of the `orders` room. */
export const ORDER_READER_ROLES: readonly Role[] = ROOM_ROLES.orders;
/** Roles that may create orders. */
export const ORDER_CREATOR_ROLES: readonly Role[] = ['sales', 'admin'];

export type OrderTransitionTarget = Exclude<OrderStatus, 'created'>;
export const ORDER_TRANSITION_TARGETS: OrderTransitionTarget[] = ['paid', 'shipped', 'delivered', 'cancelled'];

/** The state machine: which statuses each status may move to. */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  created: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

export function nextStatuses(from: OrderStatus): readonly OrderStatus[] {
  return NEXT[from];
}

interface Actor {
  id: string;
  roles: readonly Role[];
}

/** Who may move an order to `to`; null when allowed, otherwise why not (for a 403). */
export function transitionRefusal(actor: Actor, order: { ownerId: string }, to: OrderTransitionTarget): string | null {
  if (actor.roles.includes('admin')) return null;
  switch (to) {
    case 'paid':
      return actor.roles.includes('finance') ? null : 'Only finance (or an admin) can mark an order paid.';
    case 'shipped':
    case 'delivered':
      return actor.roles.includes('warehouse') ? null : `Only the warehouse (or an admin) can mark an order ${to}.`;
    case 'cancelled':
      return actor.id === order.ownerId ? null : "Only the order's owner (or an admin) can cancel it.";
  }
}

/** Sales edit their own orders; admins edit any. Null when allowed. */
export function editRefusal(actor: Actor, order: { ownerId: string }): string | null {
  if (actor.roles.includes('admin')) return null;
  if (actor.roles.includes('sales') && actor.id === order.ownerId) return null;
  return 'Only the sales owner of this order (or an admin) can edit it.';
}
