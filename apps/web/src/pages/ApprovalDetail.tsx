import type { ApprovalDto, ApprovalNotificationData } from '@herald/contracts';
import { useEffect, useState } from 'react';
import { session } from '../api';
import { errorMessage, useApp } from '../context';
import { formatMoney, formatTime } from '../format';
import { useT, type MessageKey } from '../i18n';
import { linkClick, useTitle } from '../router';
import { DecisionForm, StepList } from './ApprovalParts';

export function ApprovalDetail({ id }: { id: string }) {
  const { user, hub } = useApp();
  const { t, locale } = useT();
  const [approval, setApproval] = useState<ApprovalDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  useTitle(approval?.title ?? t('approvals.title'));

  useEffect(() => {
    let live = true;
    const fetchIt = () =>
      session.request<ApprovalDto>('GET', `/api/approvals/${id}`).then(
        (a) => live && setApproval(a),
        (err: unknown) => live && setError(errorMessage(err, t('error.network'))),
      );
    void fetchIt();
    const stop = hub.onBatch((batch) => {
      if (batch.some((n) => (n.data as Partial<ApprovalNotificationData>).approvalId === id)) void fetchIt();
    });
    return () => {
      live = false;
      stop();
    };
  }, [hub, id, t]);

  async function withdraw(a: ApprovalDto) {
    try {
      setApproval(await session.request<ApprovalDto>('POST', `/api/approvals/${a.id}/withdraw`, { version: a.version }));
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
    }
  }

  if (error && !approval) return <p className="error" role="alert">{error}</p>;
  if (!approval) return <p>{t('common.loading')}</p>;
  const current = approval.steps[approval.currentStep];
  const mayDecide = approval.status === 'pending' && approval.applicantId !== user.id && (current?.approverId === user.id || user.roles.includes('admin'));

  return (
    <article className="detail" aria-labelledby="approval-title" data-testid="approval-detail">
      <p>
        <a href="/approvals" onClick={linkClick('/approvals')}>← {t('approvals.title')}</a>
      </p>
      <div className="page-head">
        <h1 id="approval-title" className="wrap-any">{approval.title}</h1>
        <span className={`pill pill-${approval.status}`} data-testid="approval-status">
          <span aria-hidden="true" className="pill-mark" />
          {t(`astatus.${approval.status}` as MessageKey)}
        </span>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <p className="meta wrap-any">
        {t(`kind.${approval.kind}` as MessageKey)}
        {approval.amount && <> · <span className="nowrap">{formatMoney(approval.amount, locale)}</span></>} · {t('approvals.from', { name: approval.applicantName })} · {formatTime(approval.createdAt, locale)}
      </p>
      {approval.details && <p className="details wrap-any pre-wrap">{approval.details}</p>}
      <StepList approval={approval} />
      {mayDecide && <DecisionForm approval={approval} onDone={(a) => { setApproval(a); hub.refreshTodo(); }} onConflict={setApproval} />}
      {approval.status === 'pending' && approval.applicantId === user.id && (
        <button type="button" className="danger" onClick={() => void withdraw(approval)}>{t('approvals.withdraw')}</button>
      )}
    </article>
  );
}
