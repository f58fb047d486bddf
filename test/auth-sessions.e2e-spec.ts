import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { REFRESH_RACE_GRACE_SECONDS, type LoginResponse } from '@herald/contracts';
import { pushClient } from './support/push';
import { startTestServer, TEST_JWT_SECRET, TestServer } from './support/server';
import { connectSocket, sleep, TestSocket } from './support/sockets';
import { openStream } from './support/sse';

const closedReason = (s: TestSocket) =>
  new Promise<string>((resolve) => s.socket.once('session:closed' as never, (p: { reason: string }) => resolve(p.reason)));

/**
 * Sessions as people expect them: each login is one session (one device, a refresh-token family,
 * the access tokens' `sid`). "Sign out" (POST /api/auth/logout) ends that session only — its HTTP
 * tokens, sockets and SSE streams — and "sign out everywhere" (POST /api/auth/logout-all) ends all.
 * Two tabs of one browser refreshing the same token at once must not revoke anything.
 */
describe('auth sessions: one device vs everywhere, and tabs refreshing at once', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  let pg: Client | undefined;
  const open: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    ({ push } = await pushClient(server, 'sessions'));
    if (!server.db.embedded) {
      pg = new Client({ connectionString: server.db.url });
      await pg.connect();
    }
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await pg?.end();
    await server?.stop();
  });

  const me = (token: string) => server.request('GET', '/api/auth/me', { token });
  const refresh = (refreshToken: string) => server.request('POST', '/api/auth/refresh', { body: { refreshToken } });
  const socketOf = async (token: string) => {
    const s = await connectSocket(server.url, { token });
    open.push(s);
    return s;
  };
  /** Two logins of one user: two devices. */
  const twoDevices = async (username: string): Promise<[LoginResponse, LoginResponse]> => [await server.login(username), await server.login(username)];

  describe('POST /api/auth/logout signs this device out only', () => {
    it('closes the device’s sockets and SSE stream with signed_out and refuses its tokens; the other device goes on', async () => {
      const [a, b] = await twoDevices('carol');
      const a1 = await socketOf(a.accessToken);
      const a2 = await socketOf(a.accessToken); // a second tab of device A
      const b1 = await socketOf(b.accessToken);
      const streamA = await openStream(`${server.url}/api/notifications/stream`, { authorization: `Bearer ${a.accessToken}` });
      const ticketA = await server.request('POST', '/api/notifications/stream-ticket', { token: a.accessToken });
      const ticketB = await server.request('POST', '/api/notifications/stream-ticket', { token: b.accessToken });
      expect([ticketA.status, ticketB.status]).toEqual([201, 201]);
      await sleep(200); // the stream's session is registered once its headers are out
      const reasons = Promise.all([closedReason(a1), closedReason(a2)]);
      let bClosed: string | null = null;
      b1.socket.once('session:closed' as never, (p: { reason: string }) => {
        bClosed = p.reason;
      });

      expect((await server.request('POST', '/api/auth/logout', { token: a.accessToken })).status).toBe(204);

      expect(await reasons).toEqual(['signed_out', 'signed_out']);
      await a1.waitFor(() => !a1.socket.connected, 5000, 'A’s socket to close');
      await streamA.waitFor(() => streamA.isEnded(), 5000);
      expect(JSON.parse(streamA.events.at(-1)!.data!)).toMatchObject({ reason: 'signed_out' });
      // Device A's tokens are dead: HTTP 401, a new socket refused, its refresh token revoked, its stream ticket void.
      const refused = await me(a.accessToken);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/signed out/) });
      await expect(connectSocket(server.url, { token: a.accessToken })).rejects.toMatchObject({ data: { code: 'invalid_token' } });
      expect((await refresh(a.refreshToken)).status).toBe(401);
      const deadTicket = await fetch(`${server.url}/api/notifications/stream?ticket=${encodeURIComponent(ticketA.body.ticket)}`);
      expect(deadTicket.status).toBe(401);
      await deadTicket.body?.cancel();

      // Device B did not notice: same socket, still delivered to, its access and refresh tokens and ticket work.
      await sleep(300);
      expect(bClosed).toBeNull();
      expect(b1.socket.connected).toBe(true);
      expect((await push({ to: { userIds: [b.user.id] }, type: 'test.after_logout', title: 'still here' })).status).toBe(202);
      await b1.waitFor(() => b1.received.some((n) => n.type === 'test.after_logout'), 5000, 'B to receive a push');
      expect((await me(b.accessToken)).status).toBe(200);
      const streamB = await openStream(`${server.url}/api/notifications/stream?ticket=${encodeURIComponent(ticketB.body.ticket)}`);
      expect(streamB.res.status).toBe(200);
      streamB.close();
      const rotated = await refresh(b.refreshToken);
      expect(rotated.status).toBe(200);
      expect((await me(rotated.body.accessToken)).status).toBe(200);
    });

    it('is answered 401 once the session has ended (a second sign-out with the same token)', async () => {
      const a = await server.login('dave');
      expect((await server.request('POST', '/api/auth/logout', { token: a.accessToken })).status).toBe(204);
      const again = await server.request('POST', '/api/auth/logout', { token: a.accessToken });
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('invalid_token');
    });

    it('ends the session of every access token of the device, also ones refreshed since login', async () => {
      const a = await server.login('dave');
      const next = await refresh(a.refreshToken);
      expect(next.status).toBe(200);
      expect((await server.request('POST', '/api/auth/logout', { token: a.accessToken })).status).toBe(204);
      expect((await me(next.body.accessToken)).status).toBe(401);
      expect((await refresh(next.body.refreshToken)).status).toBe(401);
    });
  });

  describe('POST /api/auth/logout-all signs out everywhere', () => {
    it('closes every device’s sockets with session_revoked and refuses every token; logging in again works', async () => {
      const [a, b] = await twoDevices('erin');
      const a1 = await socketOf(a.accessToken);
      const b1 = await socketOf(b.accessToken);
      const reasons = Promise.all([closedReason(a1), closedReason(b1)]);
      expect((await server.request('POST', '/api/auth/logout-all', { token: a.accessToken })).status).toBe(204);
      expect(await reasons).toEqual(['session_revoked', 'session_revoked']);
      for (const device of [a, b]) {
        expect((await me(device.accessToken)).status).toBe(401);
        expect((await refresh(device.refreshToken)).status).toBe(401);
      }
      const again = await server.login('erin');
      expect((await me(again.accessToken)).status).toBe(200);
    });

    it('needs a token (401 missing_token) and a live one', async () => {
      const none = await server.request('POST', '/api/auth/logout-all');
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('missing_token');
      const a = await server.login('bob');
      await server.request('POST', '/api/auth/logout', { token: a.accessToken });
      expect((await server.request('POST', '/api/auth/logout-all', { token: a.accessToken })).status).toBe(401);
    });
  });

  describe('two tabs refreshing the same token at once', () => {
    it('one rotates, the other gets 409 refresh_token_raced, and nothing is revoked', async () => {
      const a = await server.login('alice');
      const s = await socketOf(a.accessToken);
      let closed: string | null = null;
      s.socket.once('session:closed' as never, (p: { reason: string }) => {
        closed = p.reason;
      });
      const [tab1, tab2] = await Promise.all([refresh(a.refreshToken), refresh(a.refreshToken)]);
      const statuses = [tab1.status, tab2.status].sort();
      expect(statuses).toEqual([200, 409]);
      const winner = tab1.status === 200 ? tab1 : tab2;
      const loser = tab1.status === 200 ? tab2 : tab1;
      expect(loser.body).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'refresh_token_raced', message: expect.stringMatching(/newer token/) });
      expect(loser.body.accessToken).toBeUndefined();
      // The session lives on: the old and new access tokens work, the socket stays, and the winner's token rotates on.
      await sleep(300);
      expect(closed).toBeNull();
      expect(s.socket.connected).toBe(true);
      expect((await me(a.accessToken)).status).toBe(200);
      expect((await me(winner.body.accessToken)).status).toBe(200);
      const next = await refresh(winner.body.refreshToken);
      expect(next.status).toBe(200);
      expect((await me(next.body.accessToken)).status).toBe(200);
    });

    it('of five at once exactly one rotates and four are told they raced', async () => {
      const { refreshToken, accessToken } = await server.login('alice');
      const results = await Promise.all(Array.from({ length: 5 }, () => refresh(refreshToken)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
      expect((await me(accessToken)).status).toBe(200);
    });
  });

  describe(`reuse after the ${REFRESH_RACE_GRACE_SECONDS} s grace is theft`, () => {
    it('revokes that session only: its sockets close with signed_out, the user’s other device goes on', async () => {
      if (!pg) {
        if (process.env.CI) throw new Error('PostgreSQL is required in CI');
        return;
      }
      const [a, b] = await twoDevices('bob');
      const a1 = await socketOf(a.accessToken);
      const b1 = await socketOf(b.accessToken);
      const next = await refresh(a.refreshToken);
      expect(next.status).toBe(200);
      // As if the grace had passed: the spent token was spent a minute ago.
      await pg.query(`UPDATE refresh_tokens SET used_at = used_at - interval '1 minute' WHERE used_at IS NOT NULL AND user_id = $1`, [a.user.id]);
      const reason = closedReason(a1);
      const reuse = await refresh(a.refreshToken);
      expect(reuse.status).toBe(401);
      expect(reuse.body.message).toMatch(/already used/);
      expect(await reason).toBe('signed_out');
      expect((await refresh(next.body.refreshToken)).status).toBe(401);
      expect((await me(next.body.accessToken)).status).toBe(401);
      expect((await me(b.accessToken)).status).toBe(200);
      expect(b1.socket.connected).toBe(true);
    });
  });

  describe('hostile tokens', () => {
    const forge = (claims: Record<string, unknown>, sub: string) =>
      jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', subject: sub, issuer: 'herald', audience: 'herald', expiresIn: 600 });

    it('refuses a well-signed token naming a session that never existed, and one whose sid is not a session id', async () => {
      const { user } = await server.login('dave');
      const [{ session_epoch }] = pg ? (await pg.query(`SELECT session_epoch FROM users WHERE id = $1`, [user.id])).rows : [{ session_epoch: 0 }];
      for (const sid of [randomUUID(), 'not-a-uuid', 42, "x' OR 1=1 --"]) {
        const res = await me(forge({ ver: session_epoch, sid }, user.id));
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('invalid_token');
      }
    });
  });
});
