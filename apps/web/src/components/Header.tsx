import { useState } from 'react';
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
  const todo = useStore(hub.todo);
  const [menuOpen, setMenuOpen] = useState(false);
  const { path } = useRoute();
  const stateText = state === 'reconnecting' && !everConnected ? t('conn.connecting') : t(`conn.${state}` as MessageKey);
  const links: { to: string; label: MessageKey; badge?: 'unread' | 'todo' }[] = [
    ...(canSeeOrders(user.roles) ? [{ to: '/orders', label: 'nav.orders' as const }] : []),
    { to: '/approvals', label: 'nav.approvals', badge: 'todo' },
    { to: '/inbox', label: 'nav.inbox', badge: 'unread' },
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
                {l.badge === 'unread' && unread !== null && unread > 0 && (
                  <span className="badge" data-testid="unread-badge" aria-label={t('unread.label', { count: unread })}>
                    {unread > 999 ? '999+' : unread}
                  </span>
                )}
                {l.badge === 'todo' && todo !== null && todo > 0 && (
                  <span className="badge badge-todo" data-testid="todo-badge" aria-label={t('ux.todo.label', { count: todo })}>
                    {todo > 999 ? '999+' : todo}
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
          <span className="conn-text">{stateText}</span>
        </span>
        {/* On a phone the account controls fold behind one button, so the header stays one line. */}
        <button type="button" className="icon menu-toggle" aria-expanded={menuOpen} aria-controls="account-menu" onClick={() => setMenuOpen((o) => !o)} onKeyDown={(e) => e.key === 'Escape' && setMenuOpen(false)} id="account-menu-toggle" data-testid="account-menu-toggle">
          <span aria-hidden="true">☰</span>
          <span className="sr-only">{t('ux.menu')}</span>
        </button>
        <div id="account-menu" className={`account${menuOpen ? ' open' : ''}`} onKeyDown={(e) => {
          if (e.key !== 'Escape' || !menuOpen) return;
          setMenuOpen(false);
          document.getElementById('account-menu-toggle')?.focus();
        }}>
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
        <a href="/settings" className="settings-link" data-testid="settings-link" onClick={(e) => {
          setMenuOpen(false);
          linkClick('/settings')(e);
        }} aria-current={path.startsWith('/settings') ? 'page' : undefined}>
          {t('settings.nav')}
        </a>
        <button type="button" className="quiet" data-testid="sign-out" onClick={() => void session.logout()}>
          {t('header.logout')}
        </button>
        <button type="button" className="quiet" data-testid="sign-out-everywhere" title={t('session.signOutEverywhereHint')} onClick={() => void session.logoutEverywhere()}>
          {t('session.signOutEverywhere')}
        </button>
        </div>
      </div>
    </header>
  );
}
