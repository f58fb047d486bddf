import type { OrderDto } from '@herald/contracts';
import { useEffect, useState } from 'react';
import { ApiError, session } from '../api';
import { errorMessage, useApp } from '../context';
import { formatMoney, formatTime } from '../format';
import { useT, type MessageKey } from '../i18n';
import { allowedTransitions, canEdit, orderEvent } from '../orders';
import { linkClick, useTitle } from '../router';
import { StatusPill } from './OrdersPage';
import { useOrderActions } from './useOrderActions';

export function OrderDetail({ id }: { id: string }) {
  const { user, hub } = useApp();
  const { t, locale } = useT();
  const [order, setOrder] = useState<OrderDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  useTitle(order?.number ?? t('orders.title'));

  useEffect(() => {
    let live = true;
    const fetchOrder = () =>
      session.request<OrderDto>('GET', `/api/orders/${id}`).then(
        (o) => live && setOrder(o),
        (err: unknown) => live && setError(err instanceof ApiError && (err.status === 404 || err.status === 403 || err.status === 400) ? t('orders.notFound') : errorMessage(err, t('error.network'))),
      );
    void fetchOrder();
    const stop = hub.onBatch((batch) => {
      if (batch.some((n) => orderEvent(n)?.orderId === id)) void fetchOrder();
    });
    return () => {
      live = false;
      stop();
    };
  }, [hub, id, t]);

  const actions = useOrderActions(setOrder);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!order) return <p>{t('common.loading')}</p>;

  return (
    <article aria-labelledby="order-title" className="detail">
      <p>
        <a href="/orders" onClick={linkClick('/orders')}>← {t('orders.back')}</a>
      </p>
      <div className="page-head">
        <h1 id="order-title" className="wrap-any">{order.number}</h1>
        <StatusPill status={order.status} />
      </div>
      {actions.message && <p className={`notice notice-${actions.message.kind}`} role="alert" data-testid="order-message">{actions.message.text}</p>}
      <dl className="facts">
        <dt>{t('orders.customer')}</dt>
        <dd className="wrap-any">{order.customer}</dd>
        <dt>{t('orders.total')}</dt>
        <dd>{formatMoney(order.total, locale)}</dd>
        <dt>{t('orders.updated')}</dt>
        <dd>{formatTime(order.updatedAt, locale)}</dd>
        {order.note && (
          <>
            <dt>{t('orders.note')}</dt>
            <dd className="wrap-any pre-wrap" data-testid="order-note">{order.note}</dd>
          </>
        )}
      </dl>
      <table className="items">
        <caption>{t('orders.items')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('form.sku')}</th>
            <th scope="col">{t('form.name')}</th>
            <th scope="col" className="num">{t('form.qty')}</th>
            <th scope="col" className="num">{t('form.unitPrice')}</th>
            <th scope="col" className="num">{t('form.total')}</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((item, i) => (
            <tr key={i}>
              <td className="wrap-any" data-label={t('form.sku')}>{item.sku}</td>
              <td className="wrap-any" data-label={t('form.name')}>{item.name}</td>
              <td className="num" data-label={t('form.qty')}>{item.qty}</td>
              <td className="num" data-label={t('form.unitPrice')}>{formatMoney(item.unitPrice, locale)}</td>
              <td className="num" data-label={t('form.total')}>{formatMoney(item.lineTotal, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        {canEdit(user, order) && (
          <a className="button" href={`/orders/${order.id}/edit`} onClick={linkClick(`/orders/${order.id}/edit`)}>{t('action.edit')}</a>
        )}
        {allowedTransitions(user, order).map((to) => (
          <button key={to} type="button" className={to === 'cancelled' ? 'danger' : undefined} disabled={actions.busy === order.id} onClick={() => void actions.transition(order, to)}>
            {t(`action.${to}` as MessageKey)}
          </button>
        ))}
      </div>
    </article>
  );
}
