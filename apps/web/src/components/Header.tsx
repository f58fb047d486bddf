import { session } from '../api';
import { useApp } from '../context';
import { LOCALES, setLocale, useT, type MessageKey } from '../i18n';
import { linkClick, useRoute } from '../router';
import { useStore } from '../store';

export function canSeeOrders(roles: readonly string[]): boolean {
  return roles.some((r) => r === 'sales' || r === 'warehouse' || r === 'finance' || r === 'admin');
}

export function Header() {
  const { user, hub } = useApp();
  const { t, locale } = useT();
  const state = useStore(hub.connection);
  const everConnected = useStore(hub.everConnected);
  const unread = useStore(hub.unread);
  const { path } = useRoute();
  const stateText = state === 'reconnecting' && !everConnected ? t('conn.connecting') : t(`conn.${state}` as MessageKey);
  const links: { to: string; label: MessageKey; badge?: boolean }[] = [
    ...(canSeeOrders(user.roles) ? [{ to: '/orders', label: 'nav.orders' as const }] : []),
    { to: '/approvals', label: 'nav.approvals' },
    { to: '/inbox', label: 'nav.inbox', badge: true },
    ...(user.roles.includes('admin') ? [{ to: '/admin', label: 'admin.nav' as const }] : []),
  ];

  return (
    <header className="top">
      <div className="brand" aria-hidden="true">
        Herald
      </div>
      <nav aria-label={t('nav.main')}>
        <ul>
          {links.map((l) => (
            <li key={l.to}>
              <a href={l.to} onClick={linkClick(l.to)} aria-current={path.startsWith(l.to) ? 'page' : undefined}>
                {t(l.label)}
                {l.badge && unread !== null && unread > 0 && (
                  <span className="badge" data-testid="unread-badge" aria-label={t('unread.label', { count: unread })}>
                    {unread > 999 ? '999+' : unread}
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="top-right">
        <span className={`conn conn-${state}`} data-testid="connection" data-state={state} role="status" aria-label={t('conn.label', { state: stateText })}>
          <span className="conn-dot" aria-hidden="true" />
          {stateText}
        </span>
        <label className="lang">
          <span className="sr-only">{t('header.language')}</span>
          <select value={locale} onChange={(e) => setLocale(e.target.value as typeof locale)}>
            {LOCALES.map((l) => (
              <option key={l.id} value={l.id} lang={l.id}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        <span className="who" data-testid="current-user">
          {t('header.user', { name: user.displayName })}
          <span className="roles"> · {user.roles.map((r) => t(`role.${r}` as MessageKey)).join(', ')}</span>
        </span>
        <a href="/settings" className="settings-link" data-testid="settings-link" onClick={linkClick('/settings')} aria-current={path.startsWith('/settings') ? 'page' : undefined}>
          {t('settings.nav')}
        </a>
        <button type="button" className="quiet" data-testid="sign-out" onClick={() => void session.logout()}>
          {t('header.logout')}
        </button>
        <button type="button" className="quiet" data-testid="sign-out-everywhere" title={t('session.signOutEverywhereHint')} onClick={() => void session.logoutEverywhere()}>
          {t('session.signOutEverywhere')}
        </button>
      </div>
    </header>
  );
}
