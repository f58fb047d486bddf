import type { OrderDto } from '@herald/contracts';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, session } from '../api';
import { errorMessage } from '../context';
import { formatMoney } from '../format';
import { useT } from '../i18n';
import { linkClick, navigate, useTitle } from '../router';

interface ItemDraft {
  sku: string;
  name: string;
  qty: string;
  unitPrice: string;
}

const emptyItem = (): ItemDraft => ({ sku: '', name: '', qty: '1', unitPrice: '' });
const MONEY = /^\d{1,12}(\.\d{1,2})?$/;

/** Sum in cents with integers: prices are exact decimals, never floats. */
function totalOf(items: ItemDraft[]): string | null {
  let cents = 0n;
  for (const item of items) {
    if (!MONEY.test(item.unitPrice) || !/^[1-9]\d{0,5}$/.test(item.qty)) return null;
    const [int, frac = ''] = item.unitPrice.split('.');
    cents += BigInt(int + frac.padEnd(2, '0')) * BigInt(item.qty);
  }
  const s = cents.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** Create (no id) or edit an order; editing sends the version it was loaded at. */
export function OrderForm({ id }: { id?: string }) {
  const { t, locale } = useT();
  const [loaded, setLoaded] = useState<OrderDto | null>(null);
  const [customer, setCustomer] = useState('');
  const [note, setNote] = useState('');
  const [items, setItems] = useState<ItemDraft[]>([emptyItem()]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const title = id ? t('form.editTitle', { number: loaded?.number ?? '' }) : t('form.newTitle');
  useTitle(title);

  useEffect(() => {
    if (!id) return;
    session.request<OrderDto>('GET', `/api/orders/${id}`).then(
      (o) => {
        setLoaded(o);
        setCustomer(o.customer);
        setNote(o.note ?? '');
        setItems(o.items.map((i) => ({ sku: i.sku, name: i.name, qty: String(i.qty), unitPrice: i.unitPrice })));
      },
      (err: unknown) => setError(errorMessage(err, t('error.network'))),
    );
  }, [id, t]);

  const total = totalOf(items);
  const setItem = (index: number, patch: Partial<ItemDraft>) => setItems((list) => list.map((it, i) => (i === index ? { ...it, ...patch } : it)));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      customer: customer.trim(),
      items: items.map((i) => ({ sku: i.sku.trim(), name: i.name.trim(), qty: Number(i.qty), unitPrice: i.unitPrice })),
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    try {
      const saved = id
        ? await session.request<OrderDto>('PATCH', `/api/orders/${id}`, { ...body, version: loaded?.version })
        : await session.request<OrderDto>('POST', '/api/orders', body);
      navigate(`/orders/${saved.id}`);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 409 ? `${err.message}` : errorMessage(err, t('error.network')));
      setBusy(false);
    }
  }

  // Editing: no form until the order is loaded, so nothing typed can be overwritten by the load.
  if (id && !loaded) return error ? <p className="error" role="alert">{error}</p> : <p>{t('common.loading')}</p>;

  return (
    <section aria-labelledby="form-title" className="form-page">
      <p>
        <a href="/orders" onClick={linkClick('/orders')}>← {t('orders.back')}</a>
      </p>
      <h1 id="form-title">{title}</h1>
      <form onSubmit={onSubmit} data-testid="order-form">
        <label>
          {t('form.customer')}
          <input name="customer" required maxLength={200} value={customer} onChange={(e) => setCustomer(e.target.value)} />
        </label>
        <fieldset>
          <legend>{t('form.items')}</legend>
          {items.map((item, i) => (
            <div className="item-row" key={i} role="group" aria-label={`${t('form.items')} ${i + 1}`}>
              <label>
                {t('form.sku')}
                <input name={`sku-${i}`} required maxLength={64} value={item.sku} onChange={(e) => setItem(i, { sku: e.target.value })} />
              </label>
              <label className="grow">
                {t('form.name')}
                <input name={`name-${i}`} required maxLength={200} value={item.name} onChange={(e) => setItem(i, { name: e.target.value })} />
              </label>
              <label className="narrow">
                {t('form.qty')}
                <input name={`qty-${i}`} required inputMode="numeric" pattern="[1-9][0-9]{0,5}" value={item.qty} onChange={(e) => setItem(i, { qty: e.target.value })} />
              </label>
              <label className="narrow">
                {t('form.unitPrice')}
                <input name={`price-${i}`} required inputMode="decimal" pattern="[0-9]{1,12}(\.[0-9]{1,2})?" placeholder="0.00" value={item.unitPrice} onChange={(e) => setItem(i, { unitPrice: e.target.value })} />
              </label>
              {items.length > 1 && (
                <button type="button" className="icon" aria-label={t('form.removeItem', { n: i + 1 })} onClick={() => setItems((list) => list.filter((_, j) => j !== i))}>
                  ×
                </button>
              )}
            </div>
          ))}
          {items.length < 200 && (
            <button type="button" onClick={() => setItems((list) => [...list, emptyItem()])}>{t('form.addItem')}</button>
          )}
        </fieldset>
        <label>
          {t('form.note')}
          <textarea name="note" maxLength={2000} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        <p className="total" aria-live="polite">
          {t('form.total')}: <strong>{total === null ? '—' : formatMoney(total, locale)}</strong>
        </p>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {id ? t('common.save') : t('form.create')}
          </button>
          <a className="button" href="/orders" onClick={linkClick('/orders')}>{t('common.cancel')}</a>
        </div>
      </form>
    </section>
  );
}
