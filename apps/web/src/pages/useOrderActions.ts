import type { OrderDto, OrderStatus } from '@herald/contracts';
import { useState } from 'react';
import { ApiError, session } from '../api';
import { errorMessage } from '../context';
import { useT, type MessageKey } from '../i18n';

export interface ActionMessage {
  kind: 'error' | 'ok';
  text: string;
}

/** Transition an order; on 409 fetch its current state and say what it is now. */
export function useOrderActions(onOrder: (order: OrderDto) => void) {
  const { t } = useT();
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<ActionMessage | null>(null);

  async function transition(order: OrderDto, to: Exclude<OrderStatus, 'created'>) {
    setBusy(order.id);
    setMessage(null);
    try {
      onOrder(await session.request<OrderDto>('POST', `/api/orders/${order.id}/transition`, { to, version: order.version }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const current = await session.request<OrderDto>('GET', `/api/orders/${order.id}`).catch(() => null);
        if (current) onOrder(current);
        const status = current ? t(`status.${current.status}` as MessageKey) : '?';
        setMessage({ kind: 'error', text: `${order.number}: ${t('orders.conflict', { status })}` });
      } else {
        setMessage({ kind: 'error', text: `${order.number}: ${errorMessage(err, t('error.network'))}` });
      }
    } finally {
      setBusy(null);
    }
  }

  return { busy, message, transition };
}
