import { useCallback, useEffect, useState } from 'react';
import { session } from '../api';
import { useT } from '../i18n';
import { adminError } from './errors';
import { NoticeLine, type Notice, When } from './parts';
import type { OutboxEventRow, OutboxPage } from './types';

/** Parked outbox events: what they are, why they were set aside, and a way to put each back in the queue. */
export function OutboxAdmin() {
  const { t } = useT();
  const [items, setItems] = useState<OutboxEventRow[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      try {
        const params = new URLSearchParams({ state: 'parked', limit: '50' });
        if (after) params.set('cursor', after);
        const page = await session.request<OutboxPage>('GET', `/api/admin/outbox?${params}`);
        setItems((list) => (after ? [...(list ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
        setError(null);
      } catch (err) {
        setError(adminError(err, t));
      } finally {
        setLoading(false);
      }
    },
    [t],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  async function requeue(row: OutboxEventRow) {
    setBusyId(row.id);
    setNotice(null);
    try {
      await session.request<OutboxEventRow>('POST', `/api/admin/outbox/${row.id}/requeue`);
      setItems((list) => (list ?? []).filter((i) => i.id !== row.id));
      setNotice({ kind: 'ok', text: t('admin.requeued', { id: row.id, type: row.type }) });
    } catch (err) {
      setNotice({ kind: 'error', text: adminError(err, t) });
    } finally {
      setBusyId(null);
    }
  }

  return (
    <>
      <div className="page-head">
        <h2 id="outbox-list">{t('admin.parkedTitle')}</h2>
        <button type="button" disabled={loading} onClick={() => void load(null)}>{t('admin.refresh')}</button>
      </div>
      <p className="hint">{t('admin.parkedHint')}</p>
      <NoticeLine notice={notice} testId="outbox-notice" />
      {error && <p className="error" role="alert">{error}</p>}
      {items === null && !error && <p>{t('common.loading')}</p>}
      {items && items.length === 0 && <p className="empty" data-testid="outbox-empty">{t('admin.noParked')}</p>}
      {items && items.length > 0 && (
        <table className="admin-table" aria-labelledby="outbox-list" data-testid="outbox-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.event')}</th>
              <th scope="col">{t('admin.aggregate')}</th>
              <th scope="col" className="num">{t('admin.attempts')}</th>
              <th scope="col">{t('admin.parkedAt')}</th>
              <th scope="col">{t('admin.reason')}</th>
              <th scope="col"><span className="sr-only">{t('admin.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((row) => (
              <tr key={row.id} data-testid="outbox-row" data-outbox-id={row.id}>
                <th scope="row" data-label={t('admin.event')} className="wrap">
                  <code>{row.type}</code> <span className="meta">#{row.id}</span>
                </th>
                <td data-label={t('admin.aggregate')} className="wrap">{row.aggregateId}</td>
                <td data-label={t('admin.attempts')} className="num">{row.attempts}</td>
                <td data-label={t('admin.parkedAt')}><When iso={row.parkedAt} /></td>
                <td data-label={t('admin.reason')} className="wrap" data-testid="outbox-reason">{row.parkedReason ?? row.lastError ?? t('admin.noReason')}</td>
                <td className="row-actions">
                  <button type="button" disabled={busyId === row.id} onClick={() => void requeue(row)}>
                    {t('admin.requeue')}<span className="sr-only"> #{row.id}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <p>
          <button type="button" disabled={loading} onClick={() => void load(cursor)}>{t('common.loadMore')}</button>
        </p>
      )}
    </>
  );
}
