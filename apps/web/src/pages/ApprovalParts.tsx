import { APPROVAL_LIMITS, type ApprovalDecision, type ApprovalDto } from '@herald/contracts';
import { useId, useState } from 'react';
import { ApiError, session } from '../api';
import { TooLong, tooLongProps } from '../components/TooLong';
import { errorMessage } from '../context';
import { describeProblems } from '../errors';
import { checkDecisionComment } from '../form-checks';
import { useT, type MessageKey } from '../i18n';

/** The steps in order, each with its approver and state in words (plus a marker shape, not colour alone). */
export function StepList({ approval }: { approval: ApprovalDto }) {
  const { t } = useT();
  return (
    <ol className="steps" data-testid="approval-steps">
      {approval.steps.map((s, i) => (
        <li key={i} className={`step step-${s.status}`} data-status={s.status}>
          <span aria-hidden="true" className="step-mark" />
          {t('approvals.step', { n: i + 1, name: s.approverName })} — {t(`step.${s.status}` as MessageKey)}
          {s.comment && <q className="comment">{s.comment}</q>}
          {s.decidedBy && s.decidedBy !== s.approverId && s.status !== 'pending' && <span className="meta"> ({t('role.admin')})</span>}
        </li>
      ))}
    </ol>
  );
}

/** Approve or reject with a comment; a 409 says who decided first instead of failing silently. */
export function DecisionForm({ approval, onDone, onConflict }: { approval: ApprovalDto; onDone: (a: ApprovalDto) => void; onConflict: (a: ApprovalDto) => void }) {
  const { t, locale } = useT();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const commentId = useId();

  async function decide(decision: ApprovalDecision) {
    const problems = checkDecisionComment(comment);
    if (problems.length) {
      setMessage({ kind: 'error', text: describeProblems(locale, problems) });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const body = { decision, version: approval.version, ...(comment.trim() ? { comment: comment.trim() } : {}) };
      const updated = await session.request<ApprovalDto>('POST', `/api/approvals/${approval.id}/decision`, body);
      setMessage({ kind: 'ok', text: t('approvals.done') });
      onDone(updated);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const fresh = await session.request<ApprovalDto>('GET', `/api/approvals/${approval.id}`).catch(() => null);
        const last = fresh ? [...fresh.steps].reverse().find((s) => s.decidedAt) : undefined;
        setMessage({
          kind: 'error',
          text: t('approvals.decidedElsewhere', {
            status: fresh ? t(`astatus.${fresh.status}` as MessageKey) : '?',
            who: last ? t('approvals.decidedBy', { name: last.decidedBy === last.approverId ? last.approverName : t('role.admin') }) : '',
          }),
        });
        if (fresh) onConflict(fresh);
      } else {
        setMessage({ kind: 'error', text: errorMessage(err, t('error.network')) });
      }
      setBusy(false);
    }
  }

  return (
    <div className="decision" data-testid="decision-form">
      <label htmlFor={commentId}>{t('approvals.comment')}</label>
      <textarea id={commentId} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} {...tooLongProps(`${commentId}-long`, comment, APPROVAL_LIMITS.commentMaxLength)} />
      <TooLong id={`${commentId}-long`} value={comment} limit={APPROVAL_LIMITS.commentMaxLength} />
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void decide('approve')}>
          ✓ {t('approvals.approve')}
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void decide('reject')}>
          ✕ {t('approvals.reject')}
        </button>
      </div>
      {message && <p className={`notice notice-${message.kind}`} role="alert" data-testid="decision-message">{message.text}</p>}
    </div>
  );
}
