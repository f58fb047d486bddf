import { sameOriginPath } from '@herald/client';
import type { Notification } from '@herald/contracts';
import { hasKey, type Locale, translate } from './i18n';

export function formatMoney(amount: string, locale: Locale): string {
  // Exact decimal strings from the server: format the digits without going through a float.
  const [int, frac = '00'] = amount.split('.');
  const negative = int.startsWith('-');
  const digits = negative ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  // No currency symbol: amounts carry none, and guessing one from the language would be wrong.
  void locale;
  return `${negative ? '-' : ''}${grouped}.${frac.padEnd(2, '0').slice(0, 2)}`;
}

export function formatTime(iso: string, locale: Locale): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(locale, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** The notification's title in the reader's language, from its type and data; the server's title otherwise. */
export function notificationTitle(n: Notification, locale: Locale): string {
  const key = `n.${n.type}`;
  const data = n.data as Record<string, unknown>;
  if (hasKey(key)) {
    const params = { number: String(data.number ?? ''), title: String(data.title ?? n.title) };
    if ((key.startsWith('n.order.') && data.number) || (key.startsWith('n.approval.') && data.title)) return translate(locale, key, params);
  }
  return n.title;
}

/** Where the notification's `data.link` leads, only when it stays on this origin (see sameOriginPath). */
export function notificationLink(n: Notification): string | null {
  return sameOriginPath((n.data as { link?: unknown }).link, location.origin);
}

/** The notification's second line in the reader's language, for orders and approvals; the server's body otherwise. */
export function notificationBody(n: Notification, locale: Locale): string {
  const d = n.data as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  if (n.type.startsWith('order.') && str(d.customer) && str(d.total)) {
    return [str(d.customer), formatMoney(String(d.total), locale), str(d.actorName)].filter(Boolean).join(' · ');
  }
  if (n.type.startsWith('approval.') && str(d.kind)) {
    const kindKey = `kind.${String(d.kind)}`;
    const kind = hasKey(kindKey) ? translate(locale, kindKey) : String(d.kind);
    const comment = str(d.comment);
    return [kind, str(d.amount) && formatMoney(String(d.amount), locale), comment && `“${comment}”`, str(d.actorName)].filter(Boolean).join(' · ');
  }
  return n.body;
}
