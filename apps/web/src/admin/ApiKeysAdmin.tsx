import { type FormEvent, useEffect, useRef, useState } from 'react';
import { session } from '../api';
import { useT } from '../i18n';
import { adminError } from './errors';
import { NoticeLine, type Notice, useAdminAction, useAdminResource, When } from './parts';
import { type ApiKeyRow, type CreatedApiKey, KEY_NAME_INPUT_PATTERN } from './types';

/** Push API keys: create one (its key shown this once), see when each was last used, revoke after a confirmation. */
export function ApiKeysAdmin() {
  const { t } = useT();
  const { data: keys, setData: setKeys, error, load } = useAdminResource<ApiKeyRow[]>('/api/api-keys');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [notice, setNotice] = useState<Notice>(null);

  const newestFirst = keys ? [...keys].sort((a, b) => Number(b.id) - Number(a.id)) : null;

  return (
    <>
      <CreateKey
        onCreated={(k) => {
          setCreated(k);
          setNotice(null);
          const { key: _secret, ...row } = k;
          void _secret;
          setKeys((list) => [...(list ?? []), row]);
        }}
      />
      {created && <KeyReveal created={created} onDone={() => setCreated(null)} />}
      <div className="page-head">
        <h2 id="keys-list">{t('admin.keysList')}</h2>
        <button type="button" onClick={() => void load()}>{t('admin.refresh')}</button>
      </div>
      <NoticeLine notice={notice} testId="keys-notice" />
      {error && <p className="error" role="alert">{error}</p>}
      {newestFirst === null && !error && <p>{t('common.loading')}</p>}
      {newestFirst && newestFirst.length === 0 && <p className="empty">{t('admin.noKeys')}</p>}
      {newestFirst && newestFirst.length > 0 && (
        <table className="admin-table" aria-labelledby="keys-list" data-testid="keys-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.keyName')}</th>
              <th scope="col">{t('admin.keyPrefix')}</th>
              <th scope="col">{t('admin.created')}</th>
              <th scope="col">{t('admin.lastUsed')}</th>
              <th scope="col">{t('admin.status')}</th>
              <th scope="col"><span className="sr-only">{t('admin.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {newestFirst.map((k) => (
              <KeyRow
                key={k.id}
                row={k}
                onRevoked={(name) => {
                  setNotice({ kind: 'ok', text: t('admin.keyRevoked', { name }) });
                  void load();
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CreateKey({ onCreated }: { onCreated: (k: CreatedApiKey) => void }) {
  const { t } = useT();
  const [name, setName] = useState('');
  const { busy, notice, run } = useAdminAction();

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      onCreated(await session.request<CreatedApiKey>('POST', '/api/api-keys', { name: name.trim() }));
      setName('');
    });
  }

  return (
    <form className="panel" onSubmit={onSubmit} data-testid="create-key" aria-labelledby="create-key-title">
      <h2 id="create-key-title">{t('admin.createKey')}</h2>
      <div className="row">
        <div className="grow field">
          <label>
            {t('admin.keyName')}
            <input name="keyName" required pattern={KEY_NAME_INPUT_PATTERN} maxLength={100} aria-describedby="key-name-hint" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <span className="hint small" id="key-name-hint">{t('admin.keyNameHint')}</span>
        </div>
      </div>
      <NoticeLine notice={notice} testId="create-key-notice" />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>{t('admin.createKeySubmit')}</button>
      </div>
    </form>
  );
}

/** The new key, this once: a copy button, and a plain statement that it cannot be shown again. */
function KeyReveal({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const { t } = useT();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, [created.id]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      // No clipboard permission (or no secure context): leave the key selected for Ctrl+C.
      field.current?.focus();
      field.current?.select();
      setCopied('no');
    }
  }

  return (
    <section className="panel key-reveal" aria-labelledby="key-reveal-title" data-testid="key-reveal">
      <h2 id="key-reveal-title">{t('admin.keyCreated', { name: created.name })}</h2>
      <p className="notice notice-error" id="key-once">
        <strong>{t('admin.keyOnce')}</strong> {t('admin.keyOnceHow')}
      </p>
      <label>
        {t('admin.theKey')}
        <input ref={field} readOnly className="mono" value={created.key} aria-describedby="key-once" data-testid="new-key" onFocus={(e) => e.target.select()} />
      </label>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void copy()}>{t('admin.copy')}</button>
        <button type="button" onClick={onDone}>{t('admin.keyStored')}</button>
        <span role="status" data-testid="copy-status">
          {copied === 'yes' ? t('admin.copied') : copied === 'no' ? t('admin.copyFailed') : ''}
        </span>
      </div>
    </section>
  );
}

function KeyRow({ row, onRevoked }: { row: ApiKeyRow; onRevoked: (name: string) => void }) {
  const { t } = useT();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const revokeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  function cancel() {
    setConfirming(false);
    requestAnimationFrame(() => revokeButton.current?.focus());
  }

  async function revoke() {
    setBusy(true);
    setError(null);
    try {
      await session.request<void>('DELETE', `/api/api-keys/${row.id}`);
      setConfirming(false);
      onRevoked(row.name);
    } catch (err) {
      setError(adminError(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr data-testid="key-row" data-key-id={row.id} className={row.revokedAt ? 'is-disabled' : undefined}>
      <th scope="row" data-label={t('admin.keyName')} className="wrap">{row.name}</th>
      <td data-label={t('admin.keyPrefix')}><code>{row.prefix}…</code></td>
      <td data-label={t('admin.created')}><When iso={row.createdAt} /></td>
      <td data-label={t('admin.lastUsed')} data-testid="key-last-used"><When iso={row.lastUsedAt} /></td>
      <td data-label={t('admin.status')} data-testid="key-status">
        {row.revokedAt ? (
          <span className="pill pill-cancelled"><span aria-hidden="true" className="pill-mark" />{t('admin.revokedAt')} <When iso={row.revokedAt} /></span>
        ) : (
          <span className="pill pill-approved"><span aria-hidden="true" className="pill-mark" />{t('admin.active')}</span>
        )}
      </td>
      <td className="row-actions">
        {!row.revokedAt && !confirming && (
          <button ref={revokeButton} type="button" className="danger" onClick={() => setConfirming(true)}>
            {t('admin.revoke')}<span className="sr-only"> {row.name}</span>
          </button>
        )}
        {confirming && (
          <div className="confirm" role="group" aria-label={t('admin.revokeConfirm', { name: row.name })} onKeyDown={(e) => e.key === 'Escape' && cancel()}>
            <span>{t('admin.revokeConfirm', { name: row.name })}</span>
            <button ref={confirmButton} type="button" className="danger" disabled={busy} onClick={() => void revoke()}>{t('admin.revokeYes')}</button>
            <button type="button" onClick={cancel}>{t('common.cancel')}</button>
          </div>
        )}
        {error && <p className="error" role="alert">{error}</p>}
      </td>
    </tr>
  );
}
