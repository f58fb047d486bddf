import { useEffect, useState } from 'react';
import { session, type SessionUser } from './api';
import { AppContext } from './context';
import { Header } from './components/Header';
import { MissedBanner, Toasts } from './components/Toasts';
import { useT } from './i18n';
import { LiveHub } from './live';
import { AdminPage } from './admin/AdminPage';
import { ApprovalsPage } from './pages/ApprovalsPage';
import { ApprovalDetail } from './pages/ApprovalDetail';
import { InboxPage } from './pages/InboxPage';
import { LoginPage } from './pages/LoginPage';
import { OrderDetail } from './pages/OrderDetail';
import { OrderForm } from './pages/OrderForm';
import { OrdersPage } from './pages/OrdersPage';
import { SettingsPage } from './pages/SettingsPage';
import { navigate, useRoute } from './router';
import { useStore } from './store';

export function App() {
  const user = useStore(session.user);
  const [restoring, setRestoring] = useState(true);
  const { t } = useT();

  useEffect(() => {
    let cancelled = false;
    void session.restore().finally(() => !cancelled && setRestoring(false));
    return () => {
      cancelled = true;
    };
  }, []);

  if (restoring) return <p className="boot">{t('common.loading')}</p>;
  if (!user) return <LoginPage />;
  return <SignedIn key={user.id} user={user} />;
}

function SignedIn({ user }: { user: SessionUser }) {
  // Created in the effect so that each mount owns exactly one live connection (StrictMode mounts twice).
  const [hub, setHub] = useState<LiveHub | null>(null);
  useEffect(() => {
    const created = new LiveHub(session, user.id);
    setHub(created);
    void created.start();
    return () => created.stop();
  }, [user.id]);
  const { path } = useRoute();
  useEffect(() => {
    if (path === '/' || path === '/login') navigate(defaultPage(user), { replace: true });
  }, [path, user]);
  const { t } = useT();
  if (!hub) return <p className="boot">{t('common.loading')}</p>;

  return (
    <AppContext.Provider value={{ user, hub }}>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <Header />
      <MissedBanner />
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
      <Toasts />
    </AppContext.Provider>
  );
}

function Page({ path }: { path: string }) {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'orders') {
    if (parts[1] === 'new') return <OrderForm />;
    if (parts[1] && parts[2] === 'edit') return <OrderForm id={parts[1]} />;
    if (parts[1]) return <OrderDetail id={parts[1]} />;
    return <OrdersPage />;
  }
  if (parts[0] === 'admin') return <AdminPage section={parts[1]} />;
  if (parts[0] === 'settings') return <SettingsPage />;
  if (parts[0] === 'approvals') return parts[1] ? <ApprovalDetail id={parts[1]} /> : <ApprovalsPage />;
  return <InboxPage />;
}

/** Order staff land on orders; everyone else on the inbox. */
function defaultPage(user: SessionUser): string {
  return user.roles.some((r) => r === 'sales' || r === 'warehouse' || r === 'finance' || r === 'admin') ? '/orders' : '/inbox';
}
