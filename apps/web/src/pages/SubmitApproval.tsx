import { APPROVAL_KINDS, APPROVAL_LIMITS, MONEY_PATTERN, type ApprovalDto, type ApprovalKind, type ApproverOption } from '@herald/contracts';
import { type FormEvent, useEffect, useState } from 'react';
import { session } from '../api';
import { TooLong, tooLongProps } from '../components/TooLong';
import { errorMessage, useApp } from '../context';
import { describeProblems } from '../errors';
import { checkApproval } from '../form-checks';
import { useT, type MessageKey } from '../i18n';

const MONEY_HTML = MONEY_PATTERN.source.slice(1, -1);

const OK_NOTICE_MS = 6000;

/** Submit a request. Approvers come from GET /api/approvals/approvers when the server offers it, else typed ids. */
export function SubmitApproval({ onSubmitted }: { onSubmitted: (a: ApprovalDto) => void }) {
  const { user } = useApp();
  const { t, locale } = useT();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<ApprovalKind>('purchase');
  const [title, setTitle] = useState('');
  const [amount, setAmount] = useState('');
  const [details, setDetails] = useState('');
  const [options, setOptions] = useState<ApproverOption[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [typedIds, setTypedIds] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  // "Request submitted" has said its piece after a few seconds; errors stay until the next try.
  useEffect(() => {
    if (message?.kind !== 'ok') return;
    const timer = setTimeout(() => setMessage(null), OK_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [message]);

  useEffect(() => {
    if (!open || options) return;
    session.request<ApproverOption[]>('GET', '/api/approvals/approvers').then(
      (list) => setOptions(list.filter((o) => o.id !== user.id)),
      () => setOptions([]),
    );
  }, [open, options, user.id]);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const approverIds = options?.length ? chosen : typedIds.split(',').map((s) => s.trim()).filter(Boolean);
    // The server's limits (@herald/contracts), checked before sending: the same sentences as its 400s.
    const problems = checkApproval({ kind, title, amount, details, approverIds });
    if (problems.length) {
      setMessage({ kind: 'error', text: describeProblems(locale, problems) });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const created = await session.request<ApprovalDto>('POST', '/api/approvals', {
        kind,
        title: title.trim(),
        approverIds,
        ...(kind !== 'leave' && amount.trim() ? { amount: amount.trim() } : {}),
        ...(details.trim() ? { details: details.trim() } : {}),
      });
      onSubmitted(created);
      setMessage({ kind: 'ok', text: t('approvals.submitted') });
      setTitle('');
      setAmount('');
      setDetails('');
      setChosen([]);
      setTypedIds('');
    } catch (err) {
      setMessage({ kind: 'error', text: errorMessage(err, t('error.network')) });
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <p>
        <button type="button" className="primary" onClick={() => setOpen(true)}>{t('approvals.new')}</button>
        {message && <span className={`notice notice-${message.kind}`} role="status"> {message.text}</span>}
      </p>
    );
  }

  return (
    <form className="panel" onSubmit={onSubmit} data-testid="approval-form">
      <h2>{t('approvals.new')}</h2>
      <div className="row">
        <label>
          {t('approvals.kind')}
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as ApprovalKind)}>
            {APPROVAL_KINDS.map((k) => (
              <option key={k} value={k}>{t(`kind.${k}` as MessageKey)}</option>
            ))}
          </select>
        </label>
        <label className="grow">
          {t('approvals.subject')}
          <input name="title" required value={title} onChange={(e) => setTitle(e.target.value)} {...tooLongProps('title-long', title, APPROVAL_LIMITS.titleMaxLength)} />
          <TooLong id="title-long" value={title} limit={APPROVAL_LIMITS.titleMaxLength} />
        </label>
        {kind !== 'leave' && (
          <label className="narrow">
            {t('approvals.amount')}
            <input name="amount" required inputMode="decimal" pattern={MONEY_HTML} placeholder="0.00" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </label>
        )}
      </div>
      <label>
        {t('approvals.details')}
        <textarea name="details" rows={2} value={details} onChange={(e) => setDetails(e.target.value)} {...tooLongProps('details-long', details, APPROVAL_LIMITS.detailsMaxLength)} />
      </label>
      <TooLong id="details-long" value={details} limit={APPROVAL_LIMITS.detailsMaxLength} />
      {options === null ? (
        <p>{t('common.loading')}</p>
      ) : options.length ? (
        <fieldset>
          <legend>{t('approvals.approvers')}</legend>
          {options.map((o) => (
            <label key={o.id} className="check">
              <input type="checkbox" name="approver" value={o.id} checked={chosen.includes(o.id)} onChange={(e) => setChosen((list) => (e.target.checked ? [...list, o.id] : list.filter((id) => id !== o.id)))} />
              {o.displayName} ({o.username}){chosen.includes(o.id) && <span className="meta"> #{chosen.indexOf(o.id) + 1}</span>}
            </label>
          ))}
        </fieldset>
      ) : (
        <label>
          {t('approvals.approverIds')}
          <input name="approverIds" required pattern="\s*[0-9]+(\s*,\s*[0-9]+)*\s*" value={typedIds} onChange={(e) => setTypedIds(e.target.value)} />
        </label>
      )}
      {message && (
        <p className={`notice notice-${message.kind}`} role="alert" data-testid="submit-message">
          {message.text}
          {message.kind === 'ok' && (
            <button type="button" className="icon" onClick={() => setMessage(null)} aria-label={t('ux.dismiss')}>×</button>
          )}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>{t('approvals.submit')}</button>
        <button type="button" onClick={() => setOpen(false)}>{t('common.close')}</button>
      </div>
    </form>
  );
}
