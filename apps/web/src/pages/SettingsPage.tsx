import { type FormEvent, useEffect, useRef, useState } from 'react';
import { session } from '../api';
import { describeError } from '../errors';
import { useT } from '../i18n';
import './settings.css';

/** What GET/PUT /api/me/preferences carry. */
interface Preferences {
  muted: string[];
  fallback: { email: boolean };
  quietHours: { start: string; end: string; timeZone: string } | null;
}

/** The server's rule for a muted type: `order.updated`, `payment.*` or `*`. */
const MUTE_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;
const MAX_MUTED = 100;

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function knownZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** The signed-in user's notification preferences: muted types, email fallback, quiet hours. */
export function SettingsPage() {
  const { t } = useT();
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [muted, setMuted] = useState('');
  const [email, setEmail] = useState(true);
  const [quiet, setQuiet] = useState(false);
  const [start, setStart] = useState('22:00');
  const [end, setEnd] = useState('08:00');
  const [zone, setZone] = useState(browserZone());
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const [zones] = useState(knownZones);
  const [address, setAddress] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    Promise.all([session.request<Preferences>('GET', '/api/me/preferences'), session.request<{ email?: string | null }>('GET', '/api/auth/me')])
      .then(([p, me]) => {
        if (cancelled) return;
        setAddress(me.email ?? null);
        setMuted(p.muted.join('\n'));
        setEmail(p.fallback.email);
        setQuiet(p.quietHours !== null);
        if (p.quietHours) {
          setStart(p.quietHours.start);
          setEnd(p.quietHours.end);
          setZone(p.quietHours.timeZone);
        }
        setLoaded(true);
      })
      .catch((err: unknown) => !cancelled && setLoadError(describeError(err)));
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const list = [...new Set(muted.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
    const bad = list.find((p) => !MUTE_PATTERN.test(p) || p.length > 64);
    if (bad !== undefined) return setNotice({ kind: 'error', text: t('settings.badPattern', { pattern: bad }) });
    if (list.length > MAX_MUTED) return setNotice({ kind: 'error', text: t('settings.tooMany', { max: MAX_MUTED }) });
    if (quiet && start === end) return setNotice({ kind: 'error', text: t('settings.sameTimes') });
    setBusy(true);
    setNotice(null);
    try {
      const body: Preferences = { muted: list, fallback: { email }, quietHours: quiet ? { start, end, timeZone: zone.trim() } : null };
      const saved = await session.request<Preferences>('PUT', '/api/me/preferences', body);
      setMuted(saved.muted.join('\n'));
      setNotice({ kind: 'ok', text: t('settings.saved') });
    } catch (err) {
      setNotice({ kind: 'error', text: describeError(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="form-page settings" aria-labelledby="settings-title">
      <div className="page-head">
        <h1 id="settings-title" ref={heading} tabIndex={-1}>{t('settings.title')}</h1>
      </div>
      {loadError && <p className="error" role="alert">{loadError}</p>}
      {!loaded && !loadError && <p>{t('common.loading')}</p>}
      {loaded && (
        <form onSubmit={(e) => void onSubmit(e)} data-testid="settings-form" noValidate>
          <fieldset>
            <legend>{t('settings.mutedLegend')}</legend>
            <label>
              {t('settings.mutedLabel')}
              <textarea name="muted" rows={4} value={muted} onChange={(e) => setMuted(e.target.value)} aria-describedby="muted-hint" spellCheck={false} autoCapitalize="off" />
            </label>
            <p className="hint small" id="muted-hint">{t('settings.mutedHint')}</p>
          </fieldset>
          <fieldset>
            <legend>{t('settings.fallbackLegend')}</legend>
            <label className="check">
              <input type="checkbox" name="fallbackEmail" checked={email} onChange={(e) => setEmail(e.target.checked)} aria-describedby="email-hint" />
              {t('settings.emailLabel')}
            </label>
            <p className="hint small" id="email-hint">
              {address ? t('settings.emailTo', { address }) : t('settings.noEmail')} {t('settings.emailHint')}
            </p>
          </fieldset>
          <fieldset>
            <legend>{t('settings.quietLegend')}</legend>
            <label className="check">
              <input type="checkbox" name="quietEnabled" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} aria-describedby="quiet-hint" />
              {t('settings.quietLabel')}
            </label>
            <p className="hint small" id="quiet-hint">{t('settings.quietHint')}</p>
            {quiet && (
              <div className="row">
                <label>
                  {t('settings.quietStart')}
                  <input type="time" name="quietStart" required value={start} onChange={(e) => setStart(e.target.value)} />
                </label>
                <label>
                  {t('settings.quietEnd')}
                  <input type="time" name="quietEnd" required value={end} onChange={(e) => setEnd(e.target.value)} />
                </label>
                <label className="grow">
                  {t('settings.timeZone')}
                  <input name="timeZone" list="settings-zones" required value={zone} onChange={(e) => setZone(e.target.value)} autoComplete="off" spellCheck={false} />
                  <datalist id="settings-zones">
                    {zones.map((z) => (
                      <option key={z} value={z} />
                    ))}
                  </datalist>
                </label>
              </div>
            )}
          </fieldset>
          <div role="status" aria-live="polite" data-testid="settings-notice">
            {notice && <p className={`notice notice-${notice.kind}`}>{notice.text}</p>}
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>{t('common.save')}</button>
          </div>
        </form>
      )}
    </section>
  );
}
