import { ROLES, type Role } from '@herald/contracts';
import { useCallback, useEffect, useState } from 'react';
import { session } from '../api';
import { formatTime } from '../format';
import { useT, type MessageKey } from '../i18n';
import { adminError } from './errors';

/** A time in the reader's format, the exact instant on hover and for assistive technology. */
export function When({ iso }: { iso: string | null }) {
  const { t, locale } = useT();
  if (!iso) return <span className="meta">{t('admin.never')}</span>;
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString(locale)}>
      {formatTime(iso, locale)}
    </time>
  );
}

/** Checkboxes for the six roles; `legend` names the group for screen readers. */
export function RolePicker({ value, onChange, legend, name }: { value: readonly Role[]; onChange: (roles: Role[]) => void; legend: string; name: string }) {
  const { t } = useT();
  return (
    <fieldset className="role-picker">
      <legend>{legend}</legend>
      {ROLES.map((r) => (
        <label key={r} className="check">
          <input
            type="checkbox"
            name={name}
            value={r}
            checked={value.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))}
          />
          {t(`role.${r}` as MessageKey)}
        </label>
      ))}
    </fieldset>
  );
}

export function roleList(roles: readonly Role[], t: (key: MessageKey) => string): string {
  // In the one fixed order of ROLES, so that the same roles always read the same.
  return roles.length ? ROLES.filter((r) => roles.includes(r)).map((r) => t(`role.${r}` as MessageKey)).join(', ') : t('admin.noRoles');
}

export type Notice = { kind: 'ok' | 'error'; text: string } | null;

export function NoticeLine({ notice, testId }: { notice: Notice; testId: string }) {
  if (!notice) return null;
  return (
    <p className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {notice.text}
    </p>
  );
}

/** GETs `path` on mount and on `load()`: the answer, or the error in the reader's language. */
export function useAdminResource<T>(path: string) {
  const { t } = useT();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setData(await session.request<T>('GET', path));
      setError(null);
    } catch (err) {
      setError(adminError(err, t));
    }
  }, [path, t]);
  useEffect(() => {
    void load();
  }, [load]);
  return { data, setData, error, load };
}

/**
 * A form's action: busy while `run(work)` runs, its notice cleared first and set to the error (in the
 * reader's language) if it fails; `run` resolves to whether `work` succeeded.
 */
export function useAdminAction() {
  const { t } = useT();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  async function run(work: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setNotice(null);
    try {
      await work();
      return true;
    } catch (err) {
      setNotice({ kind: 'error', text: adminError(err, t) });
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, notice, setNotice, run };
}
