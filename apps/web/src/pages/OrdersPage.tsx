import type { OrderDto, OrderPage, OrderStatus } from '@herald/contracts';
import { ORDER_STATUSES } from '@herald/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, session } from '../api';
import { errorMessage, useApp } from '../context';
import { formatMoney, formatTime } from '../format';
import { useT, type MessageKey } from '../i18n';
import { allowedTransitions, byIdDesc, canCreate, canEdit, orderEvent } from '../orders';
import { linkClick, navigate, useRoute, useTitle } from '../router';
import { useOrderActions } from './useOrderActions';

const PAGE_SIZE = 25;
/** Up to this many changed orders are refetched one by one; more and the first page is reloaded once. */
const REFETCH_ONE_BY_ONE = 8;

export function OrdersPage() {
  const { user, hub } = useApp();
  const { t, locale } = useT();
  useTitle(t('orders.title'));
  const { query } = useRoute();
  const status = (query.get('status') ?? '') as OrderStatus | '';
  const [rows, setRows] = useState<OrderDto[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState<ReadonlySet<string>>(new Set());
  const statusRef = useRef(status);
  statusRef.current = status;

  const merge = useCallback((fresh: OrderDto[]) => {
    setRows((current) => {
      const map = new Map(current.map((o) => [o.id, o]));
      for (const o of fresh) map.set(o.id, o);
      return [...map.values()].sort(byIdDesc);
    });
  }, []);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (statusRef.current) params.set('status', statusRef.current);
        if (after) params.set('cursor', after);
        const page = await session.request<OrderPage>('GET', `/api/orders?${params}`);
        if (after) merge(page.items);
        else setRows(page.items);
        setCursor(page.nextCursor);
      } catch (err) {
        setError(err instanceof ApiError && err.status === 403 ? t('orders.forbidden') : errorMessage(err, t('error.network')));
      } finally {
        setLoading(false);
      }
    },
    [merge, t],
  );

  useEffect(() => {
    void load(null);
  }, [load, status]);

  // Live: patch the status at once from the event, then fetch the changed orders for their new version.
  useEffect(() => {
    let pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refetch = async () => {
      const ids = [...pending];
      pending = new Set();
      if (ids.length > REFETCH_ONE_BY_ONE) return load(null);
      const fetched = await Promise.all(ids.map((id) => session.request<OrderDto>('GET', `/api/orders/${id}`).catch(() => null)));
      merge(fetched.filter((o): o is OrderDto => o !== null));
    };
    const stop = hub.onBatch((batch) => {
      const events = batch.map(orderEvent).filter((e) => e !== null);
      if (!events.length) return;
      const latest = new Map(events.map((e) => [e.orderId, e]));
      setRows((current) => current.map((o) => {
        const e = latest.get(o.id);
        return e ? { ...o, status: e.status, customer: e.customer, total: e.total } : o;
      }));
      const ids = [...latest.keys()];
      setChanged((prev) => new Set([...prev, ...ids]));
      // The "changed just now" note fades after a while; the status stays.
      setTimeout(() => setChanged((prev) => new Set([...prev].filter((id) => !ids.includes(id)))), 10_000);
      for (const id of ids) pending.add(id);
      clearTimeout(timer);
      timer = setTimeout(() => void refetch(), 150);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [hub, load, merge]);

  const actions = useOrderActions((order) => merge([order]));
  const visible = status ? rows.filter((o) => o.status === status) : rows;

  return (
    <section aria-labelledby="orders-title">
      <div className="page-head">
        <h1 id="orders-title">{t('orders.title')}</h1>
        <label className="inline">
          {t('orders.filterStatus')}{' '}
          <select value={status} onChange={(e) => navigate(e.target.value ? `/orders?status=${e.target.value}` : '/orders', { replace: true })}>
            <option value="">{t('orders.all')}</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {canCreate(user) && (
          <a className="button primary" href="/orders/new" onClick={linkClick('/orders/new')}>
            {t('orders.new')}
          </a>
        )}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {actions.message && <p className={`notice notice-${actions.message.kind}`} role="alert" data-testid="order-message">{actions.message.text}</p>}
      <table className="orders" data-testid="orders-table">
        <thead>
          <tr>
            <th scope="col">{t('orders.number')}</th>
            <th scope="col">{t('orders.customer')}</th>
            <th scope="col" className="num">{t('orders.total')}</th>
            <th scope="col">{t('orders.status')}</th>
            <th scope="col">{t('orders.updated')}</th>
            <th scope="col">{t('orders.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {visible.map((o) => (
            <tr key={o.id} data-order-id={o.id} data-testid="order-row" className={changed.has(o.id) ? 'changed' : undefined}>
              <th scope="row" data-label={t('orders.number')}>
                <a href={`/orders/${o.id}`} onClick={linkClick(`/orders/${o.id}`)}>{o.number}</a>
              </th>
              <td className="clip-cell" data-label={t('orders.customer')}>
                <span className="clip" title={o.customer}>{o.customer}</span>
              </td>
              <td className="num" data-label={t('orders.total')}>{formatMoney(o.total, locale)}</td>
              <td data-label={t('orders.status')}>
                <StatusPill status={o.status} />
                {changed.has(o.id) && <span className="live-note"> · {t('orders.changedLive')}</span>}
              </td>
              <td data-label={t('orders.updated')}><time dateTime={o.updatedAt}>{formatTime(o.updatedAt, locale)}</time></td>
              <td className="actions" data-label={t('orders.actions')}>
                {canEdit(user, o) && (
                  <a className="button" href={`/orders/${o.id}/edit`} onClick={linkClick(`/orders/${o.id}/edit`)}>{t('action.edit')}</a>
                )}
                {allowedTransitions(user, o).map((to) => (
                  <button key={to} type="button" className={to === 'cancelled' ? 'danger' : undefined} disabled={actions.busy === o.id} onClick={() => void actions.transition(o, to)}>
                    {t(`action.${to}` as MessageKey)}
                  </button>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && !error && visible.length === 0 && <p className="empty">{t('orders.empty')}</p>}
      {loading && <p aria-live="polite">{t('common.loading')}</p>}
      {cursor && !loading && (
        <button type="button" onClick={() => void load(cursor)}>{t('common.loadMore')}</button>
      )}
    </section>
  );
}

export function StatusPill({ status }: { status: OrderStatus }) {
  const { t } = useT();
  // Text and a shape marker, not colour alone.
  return (
    <span className={`pill pill-${status}`} data-testid="order-status">
      <span aria-hidden="true" className="pill-mark" />
      {t(`status.${status}` as MessageKey)}
    </span>
  );
}
