import type { Role, UserDto } from '@herald/contracts';
import { type FormEvent, useRef, useState } from 'react';
import { session } from '../api';
import { useApp } from '../context';
import { useT } from '../i18n';
import { NoticeLine, RolePicker, roleList, useAdminAction, useAdminResource, When } from './parts';
import { DISPLAY_NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, USERNAME_INPUT_PATTERN, USERNAME_MAX } from './types';

/** Users: the list, a form to create one, and per user: name and roles, disable/enable, a new password. */
export function UsersAdmin() {
  const { t } = useT();
  const { data: users, setData: setUsers, error } = useAdminResource<UserDto[]>('/api/users');
  const [editing, setEditing] = useState<string | null>(null);

  const replace = (fresh: UserDto) => setUsers((list) => (list ?? []).map((u) => (u.id === fresh.id ? fresh : u)));

  return (
    <>
      <CreateUser onCreated={(u) => setUsers((list) => [...(list ?? []), u])} />
      <h2 id="users-list">{t('admin.usersList')}</h2>
      {error && <p className="error" role="alert">{error}</p>}
      {users === null && !error && <p>{t('common.loading')}</p>}
      {users && (
        <table className="admin-table" aria-labelledby="users-list" data-testid="users-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.username')}</th>
              <th scope="col">{t('admin.displayName')}</th>
              <th scope="col">{t('admin.roles')}</th>
              <th scope="col">{t('admin.status')}</th>
              <th scope="col">{t('admin.created')}</th>
              <th scope="col"><span className="sr-only">{t('admin.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <UserRow key={u.id} user={u} editing={editing === u.id} onEdit={(open) => setEditing(open ? u.id : null)} onChanged={replace} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function UserRow({ user, editing, onEdit, onChanged }: { user: UserDto; editing: boolean; onEdit: (open: boolean) => void; onChanged: (u: UserDto) => void }) {
  const { t } = useT();
  return (
    <>
      <tr data-testid="user-row" data-username={user.username} className={user.disabled ? 'is-disabled' : undefined}>
        <th scope="row" data-label={t('admin.username')} className="wrap">{user.username}</th>
        <td data-label={t('admin.displayName')} className="wrap" data-testid="user-display-name">{user.displayName}</td>
        <td data-label={t('admin.roles')} data-testid="user-roles">{roleList(user.roles, t)}</td>
        <td data-label={t('admin.status')} data-testid="user-status">
          <span className={`pill ${user.disabled ? 'pill-cancelled' : 'pill-approved'}`}>
            <span aria-hidden="true" className="pill-mark" />
            {t(user.disabled ? 'admin.disabled' : 'admin.active')}
          </span>
        </td>
        <td data-label={t('admin.created')}><When iso={user.createdAt} /></td>
        <td className="row-actions">
          <button type="button" aria-expanded={editing} aria-controls={`edit-user-${user.id}`} onClick={() => onEdit(!editing)}>
            {t(editing ? 'common.close' : 'admin.edit')}
            <span className="sr-only"> {user.username}</span>
          </button>
        </td>
      </tr>
      {editing && (
        <tr className="editor-row">
          <td colSpan={6} id={`edit-user-${user.id}`}>
            <UserEditor user={user} onChanged={onChanged} />
          </td>
        </tr>
      )}
    </>
  );
}

function CreateUser({ onCreated }: { onCreated: (u: UserDto) => void }) {
  const { t } = useT();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [roles, setRoles] = useState<Role[]>(['staff']);
  const { busy, notice, setNotice, run } = useAdminAction();
  const first = useRef<HTMLInputElement>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const created = await session.request<UserDto>('POST', '/api/users', {
        username: username.trim(),
        password,
        roles,
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      });
      onCreated(created);
      setNotice({ kind: 'ok', text: t('admin.userCreated', { name: created.username }) });
      setUsername('');
      setPassword('');
      setDisplayName('');
      setRoles(['staff']);
      first.current?.focus();
    });
  }

  return (
    <form className="panel" onSubmit={onSubmit} data-testid="create-user" aria-labelledby="create-user-title">
      <h2 id="create-user-title">{t('admin.createUser')}</h2>
      <div className="row">
        <div className="grow field">
          <label>
            {t('admin.username')}
            <input ref={first} name="username" required pattern={USERNAME_INPUT_PATTERN} maxLength={USERNAME_MAX} autoComplete="off" aria-describedby="username-hint" value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
          <span className="hint small" id="username-hint">{t('admin.usernameHint')}</span>
        </div>
        <div className="grow field">
          <label>
            {t('admin.password')}
            <input name="password" type="password" required minLength={PASSWORD_MIN} maxLength={PASSWORD_MAX} autoComplete="new-password" aria-describedby="password-hint" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <span className="hint small" id="password-hint">{t('admin.passwordHint', { min: PASSWORD_MIN, max: PASSWORD_MAX })}</span>
        </div>
        <label className="grow">
          {t('admin.displayName')}
          <input name="displayName" maxLength={DISPLAY_NAME_MAX} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </label>
      </div>
      <RolePicker legend={t('admin.roles')} name="role" value={roles} onChange={setRoles} />
      <NoticeLine notice={notice} testId="create-user-notice" />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>{t('admin.createUserSubmit')}</button>
      </div>
    </form>
  );
}

function UserEditor({ user, onChanged }: { user: UserDto; onChanged: (u: UserDto) => void }) {
  const { t } = useT();
  const { user: me } = useApp();
  const [displayName, setDisplayName] = useState(user.displayName);
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [password, setPassword] = useState('');
  const { busy, notice, setNotice, run } = useAdminAction();
  const self = user.id === me.id;

  function patch(body: Partial<Pick<UserDto, 'displayName' | 'roles' | 'disabled'>> & { password?: string }, done: string) {
    return run(async () => {
      const fresh = await session.request<UserDto>('PATCH', `/api/users/${user.id}`, body);
      onChanged(fresh);
      setNotice({ kind: 'ok', text: done });
    });
  }

  function onSave(e: FormEvent) {
    e.preventDefault();
    void patch({ displayName: displayName.trim(), roles }, t('admin.saved', { name: user.username }));
  }

  async function onPassword(e: FormEvent) {
    e.preventDefault();
    if (await patch({ password }, t('admin.passwordReset', { name: user.username }))) setPassword('');
  }

  return (
    <div className="user-editor" data-testid="user-editor">
      <form onSubmit={onSave} className="editor-part" aria-label={t('admin.editOf', { name: user.username })}>
        <label>
          {t('admin.displayName')}
          <input name="displayName" required maxLength={DISPLAY_NAME_MAX} pattern=".*\S.*" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </label>
        <RolePicker legend={t('admin.roles')} name={`roles-${user.id}`} value={roles} onChange={setRoles} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>{t('common.save')}</button>
        </div>
      </form>
      <form onSubmit={onPassword} className="editor-part" aria-label={t('admin.resetPassword')}>
        <label>
          {t('admin.newPassword')}
          <input name="newPassword" type="password" required minLength={PASSWORD_MIN} maxLength={PASSWORD_MAX} autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <p className="hint small">{t('admin.resetHint')}</p>
        <div className="actions">
          <button type="submit" disabled={busy}>{t('admin.resetPassword')}</button>
        </div>
      </form>
      <div className="editor-part">
        <p className="hint small">{t(user.disabled ? 'admin.enableHint' : self ? 'admin.selfDisableHint' : 'admin.disableHint')}</p>
        <div className="actions">
          <button
            type="button"
            className={user.disabled ? undefined : 'danger'}
            disabled={busy || (self && !user.disabled)}
            onClick={() => void patch({ disabled: !user.disabled }, t(user.disabled ? 'admin.enabledDone' : 'admin.disabledDone', { name: user.username }))}
          >
            {t(user.disabled ? 'admin.enable' : 'admin.disable')}
          </button>
        </div>
      </div>
      <NoticeLine notice={notice} testId="user-editor-notice" />
    </div>
  );
}
