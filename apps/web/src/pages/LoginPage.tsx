import { type FormEvent, useEffect, useState } from 'react';
import { session } from '../api';
import { errorMessage } from '../context';
import { describeProblems } from '../errors';
import { checkLogin } from '../form-checks';
import { LOCALES, setLocale, useT, type MessageKey } from '../i18n';
import { useTitle } from '../router';
import { useStore } from '../store';

/** The accounts `npm start` seeds in demo mode (CONTRACT.md); shown as a hint, not as proof they exist. */
const DEMO_USERS = [
  { username: 'alice', role: 'sales' },
  { username: 'bob', role: 'warehouse' },
  { username: 'carol', role: 'manager' },
  { username: 'dave', role: 'staff' },
  { username: 'erin', role: 'finance' },
  { username: 'admin', role: 'admin' },
] as const;
const DEMO_PASSWORD = 'herald-demo';

export function LoginPage() {
  const { t, locale } = useT();
  useTitle(t('login.title'));
  /** Why the last session ended here (signed out in another tab, everywhere, expired…). */
  const ended = useStore(session.ended);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** null while asking; the demo hint is only worth showing when the server answers at all. */
  const [reachable, setReachable] = useState<boolean | null>(null);
  /** The demo accounts exist only in demo mode (GET /api/meta); none are shown until the server says so. */
  const [demo, setDemo] = useState(false);

  useEffect(() => {
    let live = true;
    fetch('/api/meta', { headers: { accept: 'application/json' } })
      .then(async (res) => {
        const meta = res.ok ? ((await res.json()) as { demo?: unknown }) : null;
        if (!live) return;
        setReachable(res.ok);
        setDemo(meta?.demo === true);
      })
      .catch(() => live && setReachable(false));
    return () => {
      live = false;
    };
  }, []);

  async function signIn(name: string, secret: string) {
    const problems = checkLogin(name, secret);
    if (problems.length) {
      setError(describeProblems(locale, problems));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await session.login(name, secret);
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
      setBusy(false);
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void signIn(username.trim(), password);
  }

  return (
    <main id="main" className="login" tabIndex={-1}>
      <div className="login-card">
        <h1>{t('login.title')}</h1>
        {ended && (
          <p className={`notice ${ended === 'signed_out' || ended === 'signed_out_everywhere' ? 'notice-ok' : 'notice-error'}`} role="status" data-testid="session-ended" data-reason={ended}>
            {t(`session.ended.${ended}`)}
          </p>
        )}
        <form onSubmit={onSubmit} aria-describedby={error ? 'login-error' : undefined}>
          <label>
            {t('login.username')}
            <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
          </label>
          <label>
            {t('login.password')}
            <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          {error && (
            <p className="error" id="login-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('login.busy') : t('login.submit')}
          </button>
        </form>
        {reachable === false && (
          <p className="error" role="alert">
            {t('error.network')}
          </p>
        )}
        {reachable && demo && (
          <section className="demo" aria-labelledby="demo-title">
            <h2 id="demo-title">{t('login.demoTitle')}</h2>
            <p className="hint">
              {/* The password never breaks at its hyphen. */}
              {t('login.demoHint').split('{password}').flatMap((part, i) => (i === 0 ? [part] : [<code key={i} className="nowrap">{DEMO_PASSWORD}</code>, part]))}
            </p>
            <ul>
              {DEMO_USERS.map((u) => (
                <li key={u.username}>
                  <button type="button" className="chip" disabled={busy} onClick={() => void signIn(u.username, DEMO_PASSWORD)} aria-label={t('login.useDemo', { name: u.username })}>
                    <strong>{u.username}</strong> <span>{t(`role.${u.role}` as MessageKey)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        <div className="lang-switch" role="group" aria-label={t('header.language')}>
          {LOCALES.map((l) => (
            <button key={l.id} type="button" className="link" lang={l.id} aria-pressed={locale === l.id} onClick={() => setLocale(l.id)}>
              {l.label}
            </button>
          ))}
        </div>
      </div>
    </main>
  );
}
