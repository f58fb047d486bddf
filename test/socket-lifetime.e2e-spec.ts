import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { spentLongAgo } from './support/sessions';
import { connectSocket, sleep, TestSocket } from './support/sockets';

const disconnected = (s: TestSocket) => new Promise<string>((resolve) => s.socket.once('disconnect', resolve));

describe('sockets obey the token and session lifetime', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { ACCESS_TOKEN_TTL: '2' } });
    ({ push } = await pushClient(server));
  });
  afterAll(() => server?.stop());

  // Short-lived tokens: log in right before use.
  const login = (name: string) => server.login(name);

  it('disconnects a socket whose token expires without a refresh', async () => {
    const { accessToken } = await login('alice');
    const s = await connectSocket(server.url, { token: accessToken });
    const started = Date.now();
    const reason = await disconnected(s);
    expect(reason).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('keeps a socket that refreshed in time, and refuses a refresh with another user’s token', async () => {
    // Logins hash a password (slow on a loaded machine): do them before alice's 2-second token starts ticking.
    const bob = await login('bob');
    const alice = await login('alice');
    const s = await connectSocket(server.url, { token: alice.accessToken });
    try {
      expect(await s.socket.timeout(1500).emitWithAck('auth:refresh', { token: bob.accessToken })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await s.socket.timeout(1500).emitWithAck('auth:refresh', { token: 'garbage' })).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
      // Tokens expire on whole seconds: refresh until the new token outlives the first one by a second.
      const expOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number;
      const firstExp = expOf(alice.accessToken);
      let refreshToken = alice.refreshToken;
      let freshToken = alice.accessToken;
      while (expOf(freshToken) <= firstExp) {
        const fresh = await server.request('POST', '/api/auth/refresh', { body: { refreshToken } });
        expect(fresh.status).toBe(200);
        ({ accessToken: freshToken, refreshToken } = fresh.body);
        if (expOf(freshToken) <= firstExp) await sleep(100);
      }
      const ack = await s.socket.timeout(1500).emitWithAck('auth:refresh', { token: freshToken });
      expect(ack).toEqual({ ok: true, expiresAt: expect.any(String) });
      await sleep(Math.max(firstExp * 1000 + 300 - Date.now(), 0)); // past the first token's expiry, before the new one's
      expect(s.socket.connected).toBe(true);
      const res = await push({ to: { userIds: [alice.user.id] }, type: 'test.still', title: 'still here' });
      expect(res.body.online).toBe(1);
      await s.waitFor(() => s.received.length === 1);
    } finally {
      s.close();
    }
  });

  describe('with long-lived tokens', () => {
    let longServer: TestServer;
    beforeAll(async () => {
      longServer = await startTestServer({ db: server.db });
      admin = (await longServer.login('admin')).accessToken;
    });
    afterAll(() => longServer?.stop());

    it('disconnects every socket of a user who logs out', async () => {
      const carol = await longServer.login('carol');
      const a = await connectSocket(longServer.url, { token: carol.accessToken });
      const b = await connectSocket(longServer.url, { token: carol.accessToken }, { transports: ['polling'] });
      const gone = Promise.all([disconnected(a), disconnected(b)]);
      expect((await longServer.request('POST', '/api/auth/logout', { token: carol.accessToken })).status).toBe(204);
      expect(await gone).toEqual(['io server disconnect', 'io server disconnect']);
      await expect(connectSocket(longServer.url, { token: carol.accessToken })).rejects.toMatchObject({ data: { code: 'invalid_token' } });
    });

    it('disconnects a user who is disabled, and refuses their still-valid token with user_disabled', async () => {
      const erin = await longServer.login('erin');
      const s = await connectSocket(longServer.url, { token: erin.accessToken });
      const gone = disconnected(s);
      await longServer.request('PATCH', `/api/users/${erin.user.id}`, { token: admin, body: { disabled: true } });
      await gone;
      await expect(connectSocket(longServer.url, { token: erin.accessToken })).rejects.toMatchObject({
        message: 'unauthorized',
        data: { code: 'user_disabled' },
      });
      await longServer.request('PATCH', `/api/users/${erin.user.id}`, { token: admin, body: { disabled: false } });
    });

    it('disconnects a user whose refresh-token family is revoked after reuse', async () => {
      const bob = await longServer.login('bob');
      const s = await connectSocket(longServer.url, { token: bob.accessToken });
      const gone = disconnected(s);
      const first = await longServer.request('POST', '/api/auth/refresh', { body: { refreshToken: bob.refreshToken } });
      expect(first.status).toBe(200);
      await spentLongAgo(longServer, bob.user.id);
      const reuse = await longServer.request('POST', '/api/auth/refresh', { body: { refreshToken: bob.refreshToken } });
      expect(reuse.status).toBe(401);
      await gone;
      await expect(connectSocket(longServer.url, { token: first.body.accessToken })).rejects.toMatchObject({ data: { code: 'invalid_token' } });
    });

    it('re-evaluates rooms on a role change: gains a room live, loses it live', async () => {
      const dave = await longServer.login('dave');
      const s = await connectSocket(longServer.url, { token: dave.accessToken });
      const { push: p } = await pushClient(longServer, 'roles');
      try {
        await p({ to: { rooms: ['orders'] }, type: 'test.before', title: 'before' });
        await longServer.request('PATCH', `/api/users/${dave.user.id}`, { token: admin, body: { roles: ['staff', 'sales'] } });
        await s.waitFor(() => s.unread.length >= 2); // the role change re-sends the unread count once applied
        await p({ to: { rooms: ['orders'] }, type: 'test.during', title: 'during' });
        await s.waitFor(() => s.received.length === 1);
        await longServer.request('PATCH', `/api/users/${dave.user.id}`, { token: admin, body: { roles: ['staff'] } });
        await s.waitFor(() => s.unread.length >= 3);
        await p({ to: { rooms: ['orders'] }, type: 'test.after', title: 'after' });
        await p({ to: { userIds: [dave.user.id] }, type: 'test.marker', title: 'marker' });
        await s.waitFor(() => s.received.some((n) => n.type === 'test.marker'));
        expect(s.received.map((n) => n.type)).toEqual(['test.during', 'test.marker']);
      } finally {
        s.close();
      }
    });
  });
});
