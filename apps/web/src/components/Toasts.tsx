import type { Notification } from '@herald/contracts';
import type { MouseEvent } from 'react';
import { useApp } from '../context';
import { notificationBody, notificationTitle } from '../format';
import { useT } from '../i18n';
import { GROUP_SUMMARY, type Toast, toastView } from '../live';
import { linkClick, safePath } from '../router';
import { useStore } from '../store';

/** Live toasts in a polite live region: announced by screen readers without stealing focus. */
export function Toasts() {
  const { hub } = useApp();
  const toasts = useStore(hub.toasts);
  const { t } = useT();
  return (
    <section className="toasts" aria-label={t('toast.region')}>
      <ol role="status" aria-live="polite" aria-relevant="additions text">
        {toasts.map((toast) => (
          <li
            key={toast.key}
            className={`toast toast-${toast.group.replace('.', '-')}`}
            data-testid="toast"
            onMouseEnter={() => hub.pauseToast(toast.key, true)}
            onMouseLeave={() => hub.pauseToast(toast.key, false)}
            onFocus={() => hub.pauseToast(toast.key, true)}
            onBlur={() => hub.pauseToast(toast.key, false)}
          >
            <ToastContent toast={toast} />
            <button type="button" className="icon" onClick={() => hub.dismissToast(toast.key)} aria-label={t('common.dismiss')}>
              ×
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Where the notification leads: its data.link when that stays on this origin, else nowhere (plain text). */
function itemPath(n: Notification): string | null {
  return safePath((n.data as { link?: unknown }).link);
}

function ToastContent({ toast }: { toast: Toast }) {
  const { hub } = useApp();
  const { t, locale } = useT();
  const view = toastView(toast);
  /** Opens the notification's own item and marks it read. */
  const open = (n: Notification, to: string) => (e: MouseEvent) => {
    linkClick(to)(e);
    if (!n.readAt) void hub.markRead([n.id]).catch(() => undefined); // the inbox still has it, unread, if this fails
    hub.dismissToast(toast.key);
  };
  if (!view.headline) {
    return (
      <a className="toast-title" href={view.href} onClick={(e) => { linkClick(view.href)(e); if (e.defaultPrevented) hub.dismissToast(toast.key); }}>
        {t(GROUP_SUMMARY[toast.group], { count: view.more })}
      </a>
    );
  }
  const n = view.headline;
  const title = notificationTitle(n, locale);
  const body = notificationBody(n, locale);
  const href = itemPath(n);
  return (
    <>
      <span className="toast-head">
        {href ? (
          <a className="toast-title" href={href} onClick={open(n, href)} title={title} data-testid="toast-headline">
            {title}
          </a>
        ) : (
          <span className="toast-title" title={title} data-testid="toast-headline">{title}</span>
        )}
        {view.more > 0 && (
          <a className="toast-more" href={view.href} onClick={(e) => { linkClick(view.href)(e); if (e.defaultPrevented) hub.dismissToast(toast.key); }} data-testid="toast-more">
            <span aria-hidden="true">· </span>
            {t('ux.toast.more', { count: view.more })}
          </a>
        )}
      </span>
      {body && view.more === 0 && <span className="toast-body" title={body}>{body}</span>}
      {view.others.length > 0 && (
        <ul className="toast-others">
          {view.others.map((o) => {
            const text = notificationTitle(o, locale);
            const to = itemPath(o);
            return (
              <li key={o.id}>
                {to ? (
                  <a href={to} onClick={open(o, to)} title={text} data-testid="toast-other">{text}</a>
                ) : (
                  <span title={text} data-testid="toast-other">{text}</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

/** After a reconnect: how many notifications were replayed, until dismissed. */
export function MissedBanner() {
  const { hub } = useApp();
  const missed = useStore(hub.missed);
  const { t } = useT();
  // The live region stays in the page so that its content appearing is announced.
  return (
    <div role="status" aria-live="polite">
      {missed > 0 && (
        <div className="banner" data-testid="missed-banner">
          <span>{t('missed.text', { count: missed })}</span>
          <a href="/inbox" onClick={linkClick('/inbox')}>
            {t('missed.open')}
          </a>
          <button type="button" className="quiet" onClick={() => hub.dismissMissed()}>
            {t('common.dismiss')}
          </button>
        </div>
      )}
    </div>
  );
}
