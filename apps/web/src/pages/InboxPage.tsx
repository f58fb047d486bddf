import type { Notification, NotificationPage } from '@herald/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { session } from '../api';
import { errorMessage, useApp } from '../context';
import { dayKey, dayLabel, formatAbsolute, formatRelative, notificationBody, notificationLink, notificationTitle } from '../format';
import { TypeIcon } from '../components/TypeIcon';
import { useT } from '../i18n';
import { byIdDesc } from '../orders';
import { linkClick, navigate, useRoute, useTitle } from '../router';
import { FollowUpActions } from './InboxFollowUp';

const PAGE_SIZE = 30;

export function InboxPage() {
  const { hub } = useApp();
  const { t, locale } = useT();
  useTitle(t('inbox.title'));
  const { query } = useRoute();
  const onlyUnread = query.get('unread') === 'true';
  const archivedView = query.get('archived') === 'true';
  const [items, setItems] = useState<Notification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const busy = useRef(false);
  /** After "mark all read": everything up to this id is read, including pages that were in flight. */
  const readUpTo = useRef<string | null>(null);
  const merge = useCallback((list: Notification[], more: Notification[]) => applyReadMark(mergeById(list, more), readUpTo.current), []);

  const loadMore = useCallback(
    async (before: string | null) => {
      if (busy.current) return;
      busy.current = true;
      setLoading(true);
      try {
        const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (before) params.set('before', before);
        if (onlyUnread) params.set('unread', 'true');
        if (archivedView) params.set('archived', 'true');
        const page = await session.request<NotificationPage>('GET', `/api/notifications?${params}`);
        setItems((list) => merge(before ? list : [], page.items));
        setCursor(page.nextCursor);
        setDone(page.nextCursor === null);
        setError(null);
      } catch (err) {
        setError(errorMessage(err, t('error.network')));
      } finally {
        busy.current = false;
        setLoading(false);
      }
    },
    [onlyUnread, archivedView, t, merge],
  );

  useEffect(() => {
    setItems([]);
    setDone(false);
    void loadMore(null);
  }, [loadMore]);

  // New notifications appear on top as they arrive (one state update per frame's batch).
  useEffect(() => hub.onBatch((batch) => setItems((list) => (archivedView ? list : mergeById(list, batch)))), [hub, archivedView]);
  // Recalled ones vanish, updated ones change in place, archived ones (on another device too) move between the two views.
  const remove = useCallback((id: string) => setItems((list) => list.filter((n) => n.id !== id)), []);
  useEffect(() => {
    const stops = [
      hub.client.on('recalled', ({ id }) => remove(id)),
      hub.client.on('updated', (u) => setItems((list) => list.map((n) => (n.id === u.id ? { ...u, readAt: n.readAt ?? u.readAt } : n)))),
      hub.client.on('archived', ({ ids, archived }) => {
        if (archived !== archivedView) setItems((list) => list.filter((n) => !ids.includes(n.id)));
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }, [hub, archivedView, remove]);
  // Reads made elsewhere on this page (a toast clicked) show here too.
  useEffect(
    () =>
      hub.onRead((read) => {
        if ('upTo' in read) {
          readUpTo.current = read.upTo;
          setItems((list) => applyReadMark(list, read.upTo));
        } else {
          const now = new Date().toISOString();
          setItems((list) => list.map((n) => (read.ids.includes(n.id) && !n.readAt ? { ...n, readAt: now } : n)));
        }
      }),
    [hub],
  );
  // Relative times ("3 minutes ago") move on by themselves.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  // Infinite scroll; the "Load more" button does the same for keyboards and when observers are unavailable.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || done || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && cursor) void loadMore(cursor);
    }, { rootMargin: '400px' });
    observer.observe(el);
    return () => observer.disconnect();
  }, [cursor, done, loadMore]);

  // The badge follows the server's `unread` event (to every device), never these answers.
  async function markRead(ids: string[]) {
    try {
      await hub.markRead(ids);
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
    }
  }

  async function markAll() {
    try {
      await hub.markAllRead(items[0]?.id ?? null);
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
    }
  }

  const visible = onlyUnread ? items.filter((n) => !n.readAt) : items;
  const days: { key: string; label: string; items: Notification[] }[] = [];
  for (const n of visible) {
    const key = dayKey(n.createdAt);
    if (days[days.length - 1]?.key !== key) days.push({ key, label: dayLabel(n.createdAt, locale, now), items: [] });
    days[days.length - 1].items.push(n);
  }

  return (
    <section aria-labelledby="inbox-title">
      <div className="page-head">
        <h1 id="inbox-title">{t('inbox.title')}</h1>
        <label className="check">
          <input type="checkbox" checked={onlyUnread} onChange={(e) => navigate(e.target.checked ? '/inbox?unread=true' : '/inbox', { replace: true })} />
          {t('inbox.onlyUnread')}
        </label>
        <button type="button" onClick={() => void markAll()} data-testid="mark-all-read">{t('inbox.markAll')}</button>
        <nav className="inbox-views" aria-label={t('followUp.archivedView')}>
          <a href="/inbox" aria-current={archivedView ? undefined : 'page'} onClick={linkClick('/inbox')}>{t('followUp.inboxView')}</a>
          <a href="/inbox?archived=true" aria-current={archivedView ? 'page' : undefined} onClick={linkClick('/inbox?archived=true')} data-testid="archived-view">
            {t('followUp.archivedView')}
          </a>
        </nav>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div data-testid="inbox-list">
        {days.map((day) => (
          <section key={day.key} className="inbox-day" aria-labelledby={`day-${day.key}`}>
            <h2 id={`day-${day.key}`} className="day-head" data-testid="inbox-day">{day.label}</h2>
            <ul className="inbox">
              {day.items.map((n) => {
                const link = notificationLink(n);
                const title = notificationTitle(n, locale);
                const body = n.body ? notificationBody(n, locale) : '';
                const absolute = formatAbsolute(n.createdAt, locale);
                return (
                  <li key={n.id} className={n.readAt ? 'read' : 'unread'} data-testid="inbox-item" data-id={n.id} data-unread={n.readAt ? 'false' : 'true'}>
                    <TypeIcon type={n.type} />
                    <div className="inbox-text">
                      <span className="sr-only">{n.readAt ? t('inbox.read') : t('inbox.unread')}: </span>
                      {link ? (
                        <a href={link} title={title} className="clip" onClick={(e) => { void (n.readAt ? null : markRead([n.id])); linkClick(link)(e); }}>{title}</a>
                      ) : (
                        <strong className="clip" title={title}>{title}</strong>
                      )}
                      {body && <span className="inbox-body clamp" title={body}>{body}</span>}
                      {(n.version ?? 1) > 1 && <span className="hint" data-testid="inbox-updated">{t('followUp.updated')}</span>}
                    </div>
                    <time dateTime={n.createdAt} title={absolute} data-testid="inbox-time">
                      {formatRelative(n.createdAt, locale, now)}
                      <span className="sr-only"> ({absolute})</span>
                    </time>
                    {!n.readAt ? (
                      <button type="button" className="quiet" onClick={() => void markRead([n.id])} aria-label={`${t('inbox.markRead')}: ${title}`}>
                        {t('inbox.markRead')}
                      </button>
                    ) : (
                      <span aria-hidden="true" />
                    )}
                    <FollowUpActions n={n} archived={archivedView} onGone={remove} />
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      </div>
      {!loading && !error && visible.length === 0 && <p className="empty">{archivedView ? t('followUp.archivedEmpty') : t('inbox.empty')}</p>}
      <div ref={sentinel} />
      {loading && <p aria-live="polite">{t('common.loading')}</p>}
      {!loading && cursor && <button type="button" onClick={() => void loadMore(cursor)}>{t('common.loadMore')}</button>}
      {done && items.length > PAGE_SIZE && <p className="hint">{t('common.end')}</p>}
    </section>
  );
}

function mergeById(list: Notification[], more: Notification[]): Notification[] {
  const map = new Map(list.map((n) => [n.id, n]));
  for (const n of more) if (!map.has(n.id)) map.set(n.id, n);
  return [...map.values()].sort(byIdDesc);
}

function applyReadMark(list: Notification[], readUpTo: string | null): Notification[] {
  if (readUpTo === null) return list;
  const now = new Date().toISOString();
  return list.map((n) => (!n.readAt && byIdDesc(n, { id: readUpTo }) >= 0 ? { ...n, readAt: now } : n));
}
