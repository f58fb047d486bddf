import { useApp } from '../context';
import { useT, type MessageKey } from '../i18n';
import { linkClick, useTitle } from '../router';
import { ApiKeysAdmin } from './ApiKeysAdmin';
import { OutboxAdmin } from './OutboxAdmin';
import { PoliciesAdmin } from './PoliciesAdmin';
import { UsersAdmin } from './UsersAdmin';
import './admin.css';

const SECTIONS = [
  { id: 'users', label: 'admin.users' },
  { id: 'api-keys', label: 'admin.apiKeys' },
  { id: 'outbox', label: 'admin.outbox' },
  { id: 'approval-policies', label: 'policy.nav' },
] as const satisfies readonly { id: string; label: MessageKey }[];
type Section = (typeof SECTIONS)[number]['id'];

export function isAdmin(roles: readonly string[]): boolean {
  return roles.includes('admin');
}

/** /admin, /admin/users, /admin/api-keys, /admin/outbox: admins only; anyone else gets a page that says so. */
export function AdminPage({ section }: { section: string | undefined }) {
  const { user } = useApp();
  const { t } = useT();
  const current: Section = SECTIONS.find((s) => s.id === section)?.id ?? 'users';
  const label = SECTIONS.find((s) => s.id === current)!.label;
  useTitle(isAdmin(user.roles) ? `${t(label)} · ${t('admin.title')}` : t('admin.onlyTitle'));

  if (!isAdmin(user.roles)) {
    return (
      <section className="admin" aria-labelledby="admin-only" data-testid="admin-only">
        <h1 id="admin-only">{t('admin.onlyTitle')}</h1>
        <p>{t('admin.onlyText')}</p>
        <p>
          <a href="/inbox" onClick={linkClick('/inbox')}>{t('admin.onlyBack')}</a>
        </p>
      </section>
    );
  }

  return (
    <section className="admin" aria-labelledby="admin-title">
      <div className="page-head">
        <h1 id="admin-title">{t('admin.title')}</h1>
        <nav className="tabs" aria-label={t('admin.sections')}>
          {SECTIONS.map((s) => (
            <a key={s.id} href={`/admin/${s.id}`} onClick={linkClick(`/admin/${s.id}`)} aria-current={current === s.id ? 'page' : undefined} className="tab">
              {t(s.label)}
            </a>
          ))}
        </nav>
      </div>
      {current === 'users' && <UsersAdmin />}
      {current === 'api-keys' && <ApiKeysAdmin />}
      {current === 'outbox' && <OutboxAdmin />}
      {current === 'approval-policies' && <PoliciesAdmin />}
    </section>
  );
}
