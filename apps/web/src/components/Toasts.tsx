import { useApp } from '../context';
import { notificationBody, notificationTitle } from '../format';
import { useT } from '../i18n';
import { GROUP_SUMMARY } from '../live';
import { linkClick } from '../router';
import { useStore } from '../store';

/** Live toasts in a polite live region: announced by screen readers without stealing focus. */
export function Toasts() {
  const { hub } = useApp();
  const toasts = useStore(hub.toasts);
  const { t, locale } = useT();
  return (
    <section className="toasts" aria-label={t('toast.region')}>
      <ol role="status" aria-live="polite" aria-relevant="additions text">
        {toasts.map((toast) => {
          const text = toast.single ? notificationTitle(toast.single, locale) : t(GROUP_SUMMARY[toast.group], { count: toast.count });
          const body = toast.single ? notificationBody(toast.single, locale) : '';
          return (
            <li
              key={toast.key}
              className={`toast toast-${toast.group.replace('.', '-')}`}
              data-testid="toast"
              onMouseEnter={() => hub.pauseToast(toast.key, true)}
              onMouseLeave={() => hub.pauseToast(toast.key, false)}
              onFocus={() => hub.pauseToast(toast.key, true)}
              onBlur={() => hub.pauseToast(toast.key, false)}
            >
              {toast.href ? (
                <a
                  href={toast.href}
                  onClick={(e) => {
                    linkClick(toast.href!)(e);
                    if (e.defaultPrevented) hub.dismissToast(toast.key); // followed: it has done its job
                  }}
                >
                  {text}
                </a>
              ) : (
                <span>{text}</span>
              )}
              {body && <span className="toast-body">{body}</span>}
              <button type="button" className="icon" onClick={() => hub.dismissToast(toast.key)} aria-label={t('common.dismiss')}>
                ×
              </button>
            </li>
          );
        })}
      </ol>
    </section>
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
