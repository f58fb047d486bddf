import { type FormEvent, useEffect, useId, useState } from 'react';
import type { ApprovalKind, ApprovalPolicyDto, EscalationTarget, UserDto } from '@herald/contracts';
import { session } from '../api';
import { useT, type MessageKey } from '../i18n';
import { adminError } from './errors';
import { NoticeLine, useAdminAction } from './parts';

/** The server's limit (MAX_POLICY_SECONDS): 30 days. */
const MAX_MINUTES = 30 * 24 * 60;

/** Seconds as the minutes field shows them; an empty field is "off". */
const toMinutes = (seconds: number | null) => (seconds === null ? '' : String(Math.round((seconds / 60) * 100) / 100));

/** The reminder and escalation policy of each approval kind: when a waiting step reminds its approver, when it escalates, and to whom. */
export function PoliciesAdmin() {
  const { t } = useT();
  const [policies, setPolicies] = useState<ApprovalPolicyDto[] | null>(null);
  const [users, setUsers] = useState<UserDto[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const [list, people] = await Promise.all([
          session.request<ApprovalPolicyDto[]>('GET', '/api/admin/approval-policies'),
          session.request<UserDto[]>('GET', '/api/users'),
        ]);
        if (!live) return;
        setPolicies(list);
        setUsers(people.filter((u) => !u.disabled));
      } catch (err) {
        if (live) setError(adminError(err, t));
      }
    })();
    return () => {
      live = false;
    };
  }, [t]);

  return (
    <>
      <div className="page-head">
        <h2 id="policies-title">{t('policy.title')}</h2>
      </div>
      <p className="hint">{t('policy.hint')}</p>
      {error && <p className="error" role="alert">{error}</p>}
      {policies === null && !error && <p>{t('common.loading')}</p>}
      {policies?.map((p) => (
        <PolicyForm key={p.kind} policy={p} users={users} onSaved={(saved) => setPolicies((list) => (list ?? []).map((x) => (x.kind === saved.kind ? saved : x)))} />
      ))}
    </>
  );
}

function PolicyForm({ policy, users, onSaved }: { policy: ApprovalPolicyDto; users: UserDto[]; onSaved: (p: ApprovalPolicyDto) => void }) {
  const { t } = useT();
  const id = useId();
  const [remind, setRemind] = useState(toMinutes(policy.remindAfter));
  const [escalate, setEscalate] = useState(toMinutes(policy.escalateAfter));
  const [target, setTarget] = useState<'admins' | 'users'>(policy.escalateTo === 'admins' ? 'admins' : 'users');
  const [chosen, setChosen] = useState<string[]>(policy.escalateTo === 'admins' ? [] : policy.escalateTo.userIds);
  const { busy, notice, setNotice, run } = useAdminAction();
  const kindName = t(`kind.${policy.kind}` as MessageKey);

  async function save(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    const seconds = (v: string) => (v.trim() === '' ? null : Math.round(Number(v) * 60));
    const remindAfter = seconds(remind);
    const escalateAfter = seconds(escalate);
    if (remindAfter !== null && escalateAfter !== null && escalateAfter <= remindAfter) {
      setNotice({ kind: 'error', text: t('policy.escalateLater') });
      return;
    }
    if (target === 'users' && chosen.length === 0) {
      setNotice({ kind: 'error', text: t('policy.pickUsers') });
      return;
    }
    const escalateTo: EscalationTarget = target === 'admins' ? 'admins' : { userIds: chosen };
    await run(async () => {
      const saved = await session.request<ApprovalPolicyDto>('PUT', `/api/admin/approval-policies/${policy.kind as ApprovalKind}`, { remindAfter, escalateAfter, escalateTo });
      onSaved(saved);
      setNotice({ kind: 'ok', text: t('policy.saved', { kind: kindName }) });
    });
  }

  return (
    <form className="card policy-form" onSubmit={(e) => void save(e)} aria-labelledby={`${id}-title`} data-testid={`policy-${policy.kind}`}>
      <h3 id={`${id}-title`}>{kindName}</h3>
      <div className="policy-fields">
        <label className="field">
          {t('policy.remindAfter')}
          <input type="number" name="remindAfter" min={0.02} max={MAX_MINUTES} step="any" inputMode="decimal" value={remind} onChange={(e) => setRemind(e.target.value)} aria-describedby={`${id}-off`} />
        </label>
        <label className="field">
          {t('policy.escalateAfter')}
          <input type="number" name="escalateAfter" min={0.02} max={MAX_MINUTES} step="any" inputMode="decimal" value={escalate} onChange={(e) => setEscalate(e.target.value)} aria-describedby={`${id}-off`} />
        </label>
      </div>
      <p className="hint small" id={`${id}-off`}>{t('policy.offHint')}</p>
      <fieldset className="policy-target">
        <legend>{t('policy.escalateTo')}</legend>
        <label className="check">
          <input type="radio" name={`${id}-target`} value="admins" checked={target === 'admins'} onChange={() => setTarget('admins')} />
          {t('policy.toAdmins')}
        </label>
        <label className="check">
          <input type="radio" name={`${id}-target`} value="users" checked={target === 'users'} onChange={() => setTarget('users')} />
          {t('policy.toUsers')}
        </label>
        {target === 'users' && (
          <div className="policy-users" role="group" aria-label={t('policy.toUsers')}>
            {users.map((u) => (
              <label key={u.id} className="check">
                <input
                  type="checkbox"
                  name={`${id}-user`}
                  value={u.id}
                  checked={chosen.includes(u.id)}
                  onChange={(e) => setChosen((list) => (e.target.checked ? [...list, u.id] : list.filter((x) => x !== u.id)))}
                />
                {u.displayName} <span className="meta">@{u.username}</span>
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <NoticeLine notice={notice} testId={`policy-notice-${policy.kind}`} />
      <p>
        <button type="submit" disabled={busy}>{t('policy.save', { kind: kindName })}</button>
      </p>
    </form>
  );
}
