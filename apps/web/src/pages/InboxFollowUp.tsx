import type { Notification, NotificationReceipts, ReceiptItem } from '@herald/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { session, type SessionUser } from '../api';
import { errorMessage, useApp } from '../context';
import { useT } from '../i18n';
import './follow-up.css';

/** Whose receipts and recall this user may see: admins for anything, everyone for what their own action caused. */
export function canFollowUp(n: Notification, me: SessionUser): boolean {
  return me.roles.includes('admin') || (n.data as { actorId?: unknown }).actorId === me.id;
}

const LIST_LIMIT = 50;

/** Per inbox item: archive/unarchive for everyone; receipts ("read by 7 of 12", who has and has not) and recall for its sender. */
export function FollowUpActions({ n, archived, onGone }: { n: Notification; archived: boolean; onGone: (id: string) => void }) {
  const { user } = useApp();
  const { t } = useT();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mine = canFollowUp(n, user);

  async function archive() {
    try {
      await session.request('POST', `/api/notifications/${archived ? 'unarchive' : 'archive'}`, { ids: [n.id] });
      onGone(n.id);
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
    }
  }

  async function recall() {
    try {
      await session.request('POST', `/api/notifications/${n.id}/recall`);
      setConfirming(false);
      // notification:recalled removes it from every other screen; this one need not wait for it.
      onGone(n.id);
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
    }
  }

  return (
    <div className="follow-up">
      <div className="follow-up-buttons">
        <button type="button" className="quiet" onClick={() => void archive()} data-testid="archive-button">
          {archived ? t('followUp.unarchive') : t('followUp.archive')}
        </button>
        {mine && (
          <button type="button" className="quiet" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="receipts-button">
            {t('followUp.receipts')}
          </button>
        )}
        {mine && !confirming && (
          <button type="button" className="quiet" onClick={() => setConfirming(true)} data-testid="recall-button">
            {t('followUp.recall')}
          </button>
        )}
      </div>
      {confirming && (
        <div className="follow-up-confirm" role="alertdialog" aria-label={t('followUp.recallConfirm')}>
          <span>{t('followUp.recallConfirm')}</span>
          <button type="button" className="danger" onClick={() => void recall()} data-testid="recall-confirm" autoFocus>
            {t('followUp.recallYes')}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>{t('common.cancel')}</button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {open && <ReceiptsPanel id={n.id} />}
    </div>
  );
}

/** "Read by N of M" and the two lists; counts follow notification:receipts live, the lists are fetched again then. */
function ReceiptsPanel({ id }: { id: string }) {
  const { hub } = useApp();
  const { t } = useT();
  const [counts, setCounts] = useState<{ recipients: number; read: number; delivered: number } | null>(null);
  const [readers, setReaders] = useState<ReceiptItem[]>([]);
  const [waiting, setWaiting] = useState<ReceiptItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      const [read, unread] = await Promise.all([
        session.request<NotificationReceipts>('GET', `/api/notifications/${id}/receipts?state=read&limit=${LIST_LIMIT}`),
        session.request<NotificationReceipts>('GET', `/api/notifications/${id}/receipts?state=unread&limit=${LIST_LIMIT}`),
      ]);
      setCounts({ recipients: read.recipients, read: read.read, delivered: read.delivered });
      setReaders(read.items);
      setWaiting(unread.items);
      setError(null);
    } catch (err) {
      setError(errorMessage(err, t('error.network')));
    }
  }, [id, t]);

  useEffect(() => {
    void load();
    const stop = hub.client.on('receipts', (p) => {
      if (p.id !== id) return;
      setCounts({ recipients: p.recipients, read: p.read, delivered: p.delivered });
      clearTimeout(pending.current);
      pending.current = setTimeout(() => void load(), 300);
    });
    return () => {
      stop();
      clearTimeout(pending.current);
    };
  }, [hub, id, load]);

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!counts) return <p aria-live="polite">{t('common.loading')}</p>;
  return (
    <div className="receipts" data-testid="receipts-panel">
      <p aria-live="polite" data-testid="receipts-summary">
        {t('followUp.readBy', { read: counts.read, total: counts.recipients })}
        <span className="hint"> · {t('followUp.delivered', { count: counts.delivered })}</span>
      </p>
      <div className="receipts-lists">
        <ReceiptList title={t('followUp.readers')} items={readers} more={counts.read - readers.length} testId="receipts-readers" />
        <ReceiptList title={t('followUp.notYet')} items={waiting} more={counts.recipients - counts.read - waiting.length} testId="receipts-waiting" />
      </div>
    </div>
  );
}

function ReceiptList({ title, items, more, testId }: { title: string; items: ReceiptItem[]; more: number; testId: string }) {
  const { t } = useT();
  return (
    <section>
      <h3>{title}</h3>
      <ul data-testid={testId}>
        {items.map((i) => (
          <li key={i.userId}>{i.displayName}</li>
        ))}
        {items.length === 0 && <li className="hint">{t('followUp.nobody')}</li>}
        {more > 0 && <li className="hint">{t('followUp.more', { count: more })}</li>}
      </ul>
    </section>
  );
}
