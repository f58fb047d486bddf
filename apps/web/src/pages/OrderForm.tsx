import { MONEY_PATTERN, ORDER_LIMITS, type OrderDto } from '@herald/contracts';
import { type FormEvent, useEffect, useState } from 'react';
import { session } from '../api';
import { TooLong, tooLongProps } from '../components/TooLong';
import { errorMessage } from '../context';
import { describeProblems } from '../errors';
import { checkOrder } from '../form-checks';
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
// The server's own amount rule; as an HTML pattern without its anchors (the browser adds them).
const MONEY = MONEY_PATTERN;
const MONEY_HTML = MONEY_PATTERN.source.slice(1, -1);

/** Sum in cents with integers: prices are exact decimals, never floats. */
function totalOf(items: ItemDraft[]): string | null {
  let cents = 0n;
  for (const item of items) {
    if (!MONEY.test(item.unitPrice) || !/^[1-9]\d{0,6}$/.test(item.qty) || Number(item.qty) > ORDER_LIMITS.qtyMax) return null;
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
    // The server's limits (@herald/contracts), checked before sending: the same sentences as its 400s.
    const problems = checkOrder({ customer, note, items });
    if (problems.length) {
      setError(describeProblems(locale, problems));
      return;
    }
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
      setError(errorMessage(err, t('error.network')));
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
          <input name="customer" required value={customer} onChange={(e) => setCustomer(e.target.value)} {...tooLongProps('customer-long', customer, ORDER_LIMITS.customerMaxLength)} />
        </label>
        <TooLong id="customer-long" value={customer} limit={ORDER_LIMITS.customerMaxLength} />
        <fieldset>
          <legend>{t('form.items')}</legend>
          {items.map((item, i) => (
            <div className="item-row" key={i} role="group" aria-label={`${t('form.items')} ${i + 1}`}>
              <label>
                {t('form.sku')}
                <input name={`sku-${i}`} required value={item.sku} onChange={(e) => setItem(i, { sku: e.target.value })} {...tooLongProps(`sku-${i}-long`, item.sku, ORDER_LIMITS.skuMaxLength)} />
                <TooLong id={`sku-${i}-long`} value={item.sku} limit={ORDER_LIMITS.skuMaxLength} />
              </label>
              <label className="grow">
                {t('form.name')}
                <input name={`name-${i}`} required value={item.name} onChange={(e) => setItem(i, { name: e.target.value })} {...tooLongProps(`name-${i}-long`, item.name, ORDER_LIMITS.itemNameMaxLength)} />
                <TooLong id={`name-${i}-long`} value={item.name} limit={ORDER_LIMITS.itemNameMaxLength} />
              </label>
              <label className="narrow">
                {t('form.qty')}
                <input name={`qty-${i}`} required inputMode="numeric" value={item.qty} onChange={(e) => setItem(i, { qty: e.target.value })} />
              </label>
              <label className="narrow">
                {t('form.unitPrice')}
                <input name={`price-${i}`} required inputMode="decimal" pattern={MONEY_HTML} placeholder="0.00" value={item.unitPrice} onChange={(e) => setItem(i, { unitPrice: e.target.value })} />
              </label>
              {items.length > 1 && (
                <button type="button" className="icon" aria-label={t('form.removeItem', { n: i + 1 })} onClick={() => setItems((list) => list.filter((_, j) => j !== i))}>
                  ×
                </button>
              )}
            </div>
          ))}
          {items.length < ORDER_LIMITS.itemsMax && (
            <button type="button" onClick={() => setItems((list) => [...list, emptyItem()])}>{t('form.addItem')}</button>
          )}
        </fieldset>
        <label>
          {t('form.note')}
          <textarea name="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} {...tooLongProps('note-long', note, ORDER_LIMITS.noteMaxLength)} />
        </label>
        <TooLong id="note-long" value={note} limit={ORDER_LIMITS.noteMaxLength} />
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
