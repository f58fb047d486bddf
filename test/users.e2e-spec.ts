import { Client } from 'pg';
import { startTestServer, TestServer } from './support/server';

/** Admin user management: list, create, patch, and the rules that protect sessions and the last admin. */
describe('users (admin)', () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startTestServer();
    admin = (await server.login('admin')).accessToken;
  });
  afterAll(() => server?.stop());

  const create = (body: unknown, token = admin) => server.request('POST', '/api/users', { token, body });
  const patch = (id: string, body: unknown, token = admin) => server.request('PATCH', `/api/users/${id}`, { token, body });
  const me = (token: string) => server.request('GET', '/api/auth/me', { token });

  it('lists every user without password hashes', async () => {
    const res = await server.request('GET', '/api/users', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.map((u: { username: string }) => u.username)).toEqual(['admin', 'alice', 'bob', 'carol', 'dave', 'erin']);
    for (const user of res.body) {
      expect(Object.keys(user).sort()).toEqual(['createdAt', 'disabled', 'displayName', 'email', 'id', 'roles', 'updatedAt', 'username']);
    }
  });

  it('creates a user who can then log in, and shows it in the list', async () => {
    const res = await create({ username: 'Frank', password: 'frank-password', displayName: 'Frank Li', roles: ['sales', 'finance'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: 'Frank', displayName: 'Frank Li', roles: ['sales', 'finance'], disabled: false });
    const login = await server.login('frank', 'frank-password');
    expect(login.user.roles).toEqual(['sales', 'finance']);
    const list = await server.request('GET', '/api/users', { token: admin });
    expect(list.body.map((u: { username: string }) => u.username)).toContain('Frank');
  });

  it('defaults displayName to the username', async () => {
    const res = await create({ username: 'grace', password: 'grace-password', roles: ['staff'] });
    expect(res.status).toBe(201);
    expect(res.body.displayName).toBe('grace');
  });

  it('refuses a duplicate username in any case with 409', async () => {
    for (const username of ['alice', 'ALICE', 'Alice']) {
      const res = await create({ username, password: 'another-password', roles: ['staff'] });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(res.body.message).toMatch(/taken/);
    }
  });

  it('refuses unknown roles, naming the field', async () => {
    const res = await create({ username: 'henry', password: 'henry-password', roles: ['root'] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^roles: each role must be one of: admin, manager/);
    const bad = await patch('2', { roles: ['sales', 'superuser'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/roles/);
    const notArray = await create({ username: 'henry', password: 'henry-password', roles: 'admin' });
    expect(notArray.status).toBe(400);
  });

  it('forbids non-admins with 403 on every route', async () => {
    const { accessToken, user } = await server.login('carol');
    expect((await server.request('GET', '/api/users', { token: accessToken })).status).toBe(403);
    const created = await create({ username: 'mallory', password: 'mallory-password', roles: ['admin'] }, accessToken);
    expect(created.status).toBe(403);
    expect(created.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    expect((await patch(user.id, { roles: ['admin'] }, accessToken)).status).toBe(403);
    expect((await me(accessToken)).body.roles).toEqual(['manager']);
  });

  it('refuses a blank display name, naming the field', async () => {
    for (const displayName of ['', '   ']) {
      const res = await patch('2', { displayName });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^displayName: must not be blank/);
      expect((await create({ username: 'olga', password: 'olga-password', displayName, roles: [] })).status).toBe(400);
    }
  });

  it('answers 404 for a user that does not exist', async () => {
    const res = await patch('999999', { displayName: 'Ghost' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('changes display name and roles; the user keeps their session and sees the new roles', async () => {
    const bob = await server.login('bob');
    const res = await patch(bob.user.id, { displayName: 'Robert', roles: ['warehouse', 'staff'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ displayName: 'Robert', roles: ['warehouse', 'staff'] });
    const after = await me(bob.accessToken);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ displayName: 'Robert', roles: ['warehouse', 'staff'] });
  });

  it('disabling a user makes their valid token fail with 401 user_disabled, and they cannot log in or refresh', async () => {
    const victim = await create({ username: 'ivan', password: 'ivan-password', roles: ['staff'] });
    const session = await server.login('ivan', 'ivan-password');
    expect((await me(session.accessToken)).status).toBe(200);

    expect((await patch(victim.body.id, { disabled: true })).body.disabled).toBe(true);
    const res = await me(session.accessToken);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'user_disabled' });
    const login = await server.request('POST', '/api/auth/login', { body: { username: 'ivan', password: 'ivan-password' } });
    expect(login.status).toBe(401);
    expect(login.body.code).toBe('user_disabled');
    expect((await server.request('POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);

    // Enabling again lets them log in, but the old session stays ended.
    expect((await patch(victim.body.id, { disabled: false })).status).toBe(200);
    expect((await me(session.accessToken)).status).toBe(401);
    expect((await me((await server.login('ivan', 'ivan-password')).accessToken)).status).toBe(200);
  });

  it('a password change ends the user\'s sessions and only the new password works', async () => {
    const created = await create({ username: 'judy', password: 'judy-password', roles: ['staff'] });
    const session = await server.login('judy', 'judy-password');
    expect((await patch(created.body.id, { password: 'judy-new-password' })).status).toBe(200);
    expect((await me(session.accessToken)).status).toBe(401);
    expect((await server.request('POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);
    const old = await server.request('POST', '/api/auth/login', { body: { username: 'judy', password: 'judy-password' } });
    expect(old.status).toBe(401);
    expect((await me((await server.login('judy', 'judy-new-password')).accessToken)).status).toBe(200);
  });

  it('refuses to disable or demote the last active admin with 409, and allows it once another admin exists', async () => {
    const adminId = (await me(admin)).body.id;
    const disable = await patch(adminId, { disabled: true });
    expect(disable.status).toBe(409);
    expect(disable.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(disable.body.message).toMatch(/last active admin/);
    const demote = await patch(adminId, { roles: ['staff'] });
    expect(demote.status).toBe(409);
    expect((await me(admin)).body).toMatchObject({ roles: ['admin'], disabled: false });

    // A disabled admin does not count as the other admin.
    const other = await create({ username: 'kim', password: 'kim-password', roles: ['admin'] });
    expect((await patch(other.body.id, { disabled: true })).status).toBe(200);
    expect((await patch(adminId, { roles: ['staff'] })).status).toBe(409);

    expect((await patch(other.body.id, { disabled: false })).status).toBe(200);
    const kim = (await server.login('kim', 'kim-password')).accessToken;
    const demoted = await patch(adminId, { roles: ['staff'] }, kim);
    expect(demoted.status).toBe(200);
    expect(demoted.body.roles).toEqual(['staff']);
    // The former admin lost access to user management at once.
    expect((await server.request('GET', '/api/users', { token: admin })).status).toBe(403);
    expect((await patch(adminId, { roles: ['admin'] }, kim)).status).toBe(200);
  });

  it('keeps one active admin when the last two demote each other at the same moment', async () => {
    const lena = await create({ username: 'lena', password: 'lena-password', roles: ['admin'] });
    const mia = await create({ username: 'mia', password: 'mia-password', roles: ['admin'] });
    const tokens: Record<string, string> = {
      [lena.body.id]: (await server.login('lena', 'lena-password')).accessToken,
      [mia.body.id]: (await server.login('mia', 'mia-password')).accessToken,
    };
    // Leave lena and mia as the only active admins.
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    const activeAdmins = async (): Promise<string[]> =>
      (await db.query(`SELECT id::text FROM users WHERE 'admin' = ANY(roles) AND NOT disabled ORDER BY id`)).rows.map((r) => r.id);
    try {
      for (const id of await activeAdmins()) {
        if (id !== lena.body.id && id !== mia.body.id) expect((await patch(id, { roles: ['staff'] }, tokens[lena.body.id])).status).toBe(200);
      }
      expect(await activeAdmins()).toEqual([lena.body.id, mia.body.id]);
      for (let round = 0; round < 5; round++) {
        const [a, b] = [lena.body.id, mia.body.id];
        const results = await Promise.all([patch(b, { roles: ['staff'] }, tokens[a]), patch(a, { roles: ['staff'] }, tokens[b])]);
        // The loser is refused with 409 (last admin) or, if the winner committed before its guard ran, 403.
        const [ok, refused] = results.map((r) => r.status).sort();
        expect(ok).toBe(200);
        expect([403, 409]).toContain(refused);
        const left = await activeAdmins();
        expect(left).toHaveLength(1);
        const loser = left[0] === a ? b : a;
        expect((await patch(loser, { roles: ['admin'] }, tokens[left[0]])).status).toBe(200);
      }
    } finally {
      await db.end();
    }
  });
});
