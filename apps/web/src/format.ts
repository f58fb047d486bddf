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
  // A card whose step was decided since says by whom (the server updated it in place; see notification:updated).
  const outcome = data.outcome as { decision?: unknown; by?: unknown } | undefined;
  const outcomeKey = `followUp.outcome.${String(outcome?.decision)}`;
  if (outcome && data.title && hasKey(outcomeKey)) return translate(locale, outcomeKey, { by: String(outcome.by ?? ''), title: String(data.title) });
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

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** "3 minutes ago" / "3分钟前"; the absolute time belongs in a title or tooltip beside it. */
export function formatRelative(iso: string, locale: Locale, now = Date.now()): string {
  let value = (new Date(iso).getTime() - now) / 1000;
  // Clocks differ a little: a time a few seconds "in the future" is now.
  if (value > 0 && value < 60) value = 0;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (Math.abs(value) < 45) return rtf.format(0, 'second');
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return rtf.format(Math.round(value), 'year');
}

/** The full date and time, for hover and screen readers. */
export function formatAbsolute(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'medium' }).format(new Date(iso));
}

/** Local calendar day of a time, as a key for grouping ("2026-12-02"). */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Today", "Yesterday" (in the reader's language, from Intl) or the date. */
export function dayLabel(iso: string, locale: Locale, now = Date.now()): string {
  const date = new Date(iso);
  const midnight = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((midnight(date) - midnight(new Date(now))) / 86_400_000);
  if (days === 0 || days === -1) {
    const text = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day');
    return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full' }).format(date);
}
