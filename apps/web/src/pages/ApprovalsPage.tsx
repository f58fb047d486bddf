import type { ApprovalDto, ApprovalNotificationData, Notification } from '@herald/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { session } from '../api';
import { errorMessage, useApp } from '../context';
import { formatMoney, formatTime } from '../format';
import { useT, type MessageKey } from '../i18n';
import { linkClick, navigate, useRoute, useTitle } from '../router';
import { useStore } from '../store';
import { DecisionForm, StepList } from './ApprovalParts';
import { SubmitApproval } from './SubmitApproval';

type Box = 'mine' | 'todo';

interface ElsewhereNote {
  id: string;
  title: string;
  status: string;
  by: string | null;
}

/** The approval fields an `approval.*` notification carries (the contracts' type), or null for anything else. */
function approvalEvent(n: Notification): ApprovalNotificationData | null {
  if (!n.type.startsWith('approval.')) return null;
  const d = n.data as Partial<ApprovalNotificationData>;
  return typeof d.approvalId === 'string' ? (d as ApprovalNotificationData) : null;
}

export function ApprovalsPage() {
  const { user, hub } = useApp();
  const { t, locale } = useT();
  useTitle(t('approvals.title'));
  const { query } = useRoute();
  const box: Box = query.get('box') === 'todo' ? 'todo' : 'mine';
  const [items, setItems] = useState<ApprovalDto[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [notes, setNotes] = useState<ElsewhereNote[]>([]);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const load = useCallback(async () => {
    try {
      const page = await session.request<{ items: ApprovalDto[] }>('GET', `/api/approvals?box=${box}&limit=50`);
      setItems(page.items);
      setError(null);
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
    } finally {
      setLoading(false);
    }
  }, [box, t]);

  useEffect(() => {
    setLoading(true);
    setNotes([]);
    void load();
  }, [load]);

  // Live: any approval event reloads the box (a handful of rows); decisions by others on my to-do items are said out loud.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = hub.onBatch((batch) => {
      const events = batch.map(approvalEvent).filter((e) => e !== null);
      if (!events.length) return;
      if (box === 'todo') {
        const shown = new Set(itemsRef.current.map((a) => a.id));
        const elsewhere = events.filter((e) => shown.has(e.approvalId!) && e.actorId !== user.id && e.decidedBy);
        if (elsewhere.length) {
          setNotes((prev) => [...prev, ...elsewhere.map((e) => ({ id: e.approvalId!, title: e.title ?? '', status: e.status ?? '', by: e.decidedBy ?? null }))]);
        }
      }
      clearTimeout(timer);
      timer = setTimeout(() => void load(), 100);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [hub, load, box, user.id]);

  const todo = useStore(hub.todo);
  const tab = (id: Box, label: MessageKey) => (
    <a href={`/approvals?box=${id}`} onClick={linkClick(`/approvals?box=${id}`)} aria-current={box === id ? 'page' : undefined} className="tab">
      {t(label)}
      {id === 'todo' && todo !== null && todo > 0 && (
        <span className="badge badge-todo" data-testid="todo-tab-count" aria-label={t('ux.todo.label', { count: todo })}>{todo}</span>
      )}
    </a>
  );

  return (
    <section aria-labelledby="approvals-title">
      <div className="page-head">
        <h1 id="approvals-title">{t('approvals.title')}</h1>
        <nav className="tabs" aria-label={t('approvals.title')}>
          {tab('mine', 'approvals.mine')}
          {tab('todo', 'approvals.todo')}
        </nav>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div role="status" aria-live="polite">
        {notes.map((n, i) => (
          <p className="notice notice-error" key={`${n.id}-${i}`} data-testid="decided-elsewhere">
            <strong>{n.title}</strong>:{' '}
            {t('approvals.decidedElsewhere', {
              status: t(`astatus.${n.status}` as MessageKey),
              who: n.by ? t('approvals.decidedBy', { name: n.by }) : '',
            })}
          </p>
        ))}
      </div>
      {box === 'mine' && <SubmitApproval onSubmitted={(a) => setItems((list) => [a, ...list.filter((x) => x.id !== a.id)])} />}
      {loading && <p>{t('common.loading')}</p>}
      {!loading && !error && items.length === 0 && <p className="empty">{t(box === 'mine' ? 'approvals.emptyMine' : 'approvals.emptyTodo')}</p>}
      <ul className="cards" data-testid={`approvals-${box}`}>
        {items.map((a) => (
          <li key={a.id} className="card" data-testid="approval-card" data-approval-id={a.id}>
            <div className="card-head">
              <h2 className="clip" title={a.title}>
                <a href={`/approvals/${a.id}`} onClick={linkClick(`/approvals/${a.id}`)}>{a.title}</a>
              </h2>
              <span className={`pill pill-${a.status}`} data-testid="approval-status">
                <span aria-hidden="true" className="pill-mark" />
                {t(`astatus.${a.status}` as MessageKey)}
              </span>
            </div>
            <p className="meta wrap-any">
              {t(`kind.${a.kind}` as MessageKey)}
              {a.amount && <> · <span className="nowrap">{formatMoney(a.amount, locale)}</span></>} · {t('approvals.from', { name: a.applicantName })} · {formatTime(a.createdAt, locale)}
            </p>
            <StepList approval={a} />
            {box === 'todo' && a.status === 'pending' && (
              <DecisionForm approval={a} onDone={() => { hub.refreshTodo(); void load(); }} onConflict={(fresh) => setItems((list) => list.map((x) => (x.id === fresh.id ? fresh : x)))} />
            )}
          </li>
        ))}
      </ul>
      {box === 'mine' && items.length > 0 && (
        <p className="hint">
          <button type="button" className="link" onClick={() => navigate('/approvals?box=todo')}>{t('approvals.todo')} →</button>
        </p>
      )}
    </section>
  );
}
