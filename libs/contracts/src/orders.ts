/** ERP orders: shapes of the REST API and of the `order.*` events. Money is an exact decimal string ("1234.50"). */
export const ORDER_STATUSES = ['created', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItemDto {
  sku: string;
  name: string;
  qty: number;
  /** Exact decimal with two places, e.g. "19.90". */
  unitPrice: string;
  /** qty × unitPrice, exact. */
  lineTotal: string;
}

export interface OrderDto {
  id: string;
  /** For people: SO-2026-000123. */
  number: string;
  customer: string;
  items: OrderItemDto[];
  total: string;
  status: OrderStatus;
  ownerId: string;
  note: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface OrderPage {
  items: OrderDto[];
  nextCursor: string | null;
}

export const ORDER_EVENTS = ['order.created', 'order.updated', 'order.paid', 'order.shipped', 'order.delivered', 'order.cancelled'] as const;
export type OrderEventType = (typeof ORDER_EVENTS)[number];

/** What every `order.*` domain event carries: enough to render it without another request. */
export interface OrderEventPayload {
  order: {
    id: string;
    number: string;
    customer: string;
    total: string;
    status: OrderStatus;
    ownerId: string;
    itemCount: number;
  };
  /** The status before this change (for transitions). */
  previousStatus?: OrderStatus;
  /** Who made the change. */
  actor: { id: string; displayName: string };
}
