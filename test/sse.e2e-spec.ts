import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { openStream } from './support/sse';

describe('Server-Sent Events', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  let alice: { accessToken: string; user: { id: string } };

  beforeAll(async () => {
    server = await startTestServer();
    ({ push } = await pushClient(server));
    alice = await server.login('alice');
  });
  afterAll(() => server?.stop());

  it('streams live notifications with id and event, and resumes with Last-Event-ID without gap or duplicate', async () => {
    const stream = await openStream(`${server.url}/api/notifications/stream`, { authorization: `Bearer ${alice.accessToken}` });
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = (await push({ to: { userIds: [alice.user.id] }, type: 'test.sse', title: 'one' })).body.ids[0];
    await stream.waitFor(() => stream.events.length === 1);
    expect(stream.events[0]).toMatchObject({ id: first, event: 'test.sse' });
    expect(JSON.parse(stream.events[0].data!)).toMatchObject({ id: first, title: 'one', room: `user:${alice.user.id}` });
    stream.close();

    const missed = [];
    for (const t of ['two', 'three']) missed.push((await push({ to: { userIds: [alice.user.id] }, type: 'test.sse', title: t })).body.ids[0]);
    const resumed = await openStream(`${server.url}/api/notifications/stream`, { authorization: `Bearer ${alice.accessToken}`, 'last-event-id': first });
    await resumed.waitFor(() => resumed.events.length === 2);
    const live = (await push({ to: { userIds: [alice.user.id] }, type: 'test.sse', title: 'four' })).body.ids[0];
    await resumed.waitFor(() => resumed.events.length === 3);
    expect(resumed.events.map((e) => e.id)).toEqual([...missed, live]);
    resumed.close();
  });

  it('accepts a single-use stream ticket for EventSource, and refuses it the second time', async () => {
    const t = await server.request('POST', '/api/notifications/stream-ticket', { token: alice.accessToken });
    expect(t.status).toBe(201);
    expect(t.body).toEqual({ ticket: expect.stringMatching(/^hst_/), expiresAt: expect.any(String) });
    expect((await fetch(`${server.url}/api/notifications/stream?ticket=hst_unknown`)).status).toBe(401);
    const stream = await openStream(`${server.url}/api/notifications/stream?ticket=${t.body.ticket}`);
    expect(stream.res.status).toBe(200);
    await push({ to: { userIds: [alice.user.id] }, type: 'test.ticket', title: 'via ticket' });
    await stream.waitFor(() => stream.events.some((e) => e.event === 'test.ticket'));
    stream.close();
    const again = await fetch(`${server.url}/api/notifications/stream?ticket=${t.body.ticket}`);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ statusCode: 401, message: expect.stringMatching(/stream ticket/) });
  });

  it('refuses no credentials, a bad token and a bad Last-Event-ID', async () => {
    expect((await fetch(`${server.url}/api/notifications/stream`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/notifications/stream`, { headers: { authorization: 'Bearer x.y.z' } })).status).toBe(401);
    const bad = await fetch(`${server.url}/api/notifications/stream`, { headers: { authorization: `Bearer ${alice.accessToken}`, 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
  });

  it('closes cleanly when the token expires, and on logout', async () => {
    const short = await startTestServer({ db: server.db, env: { ACCESS_TOKEN_TTL: '2' } });
    try {
      const bob = await short.login('bob');
      const stream = await openStream(`${short.url}/api/notifications/stream`, { authorization: `Bearer ${bob.accessToken}` });
      await stream.waitFor(() => stream.isEnded(), 5000);
      // One name for expiry on both transports, then the close and its reason.
      expect(stream.events.at(-2)).toMatchObject({ event: 'auth_expired' });
      expect(stream.events.at(-1)).toMatchObject({ event: 'session.closed' });
      expect(JSON.parse(stream.events.at(-1)!.data!)).toMatchObject({ reason: 'token_expired' });

      const carol = await short.login('carol');
      const other = await openStream(`${short.url}/api/notifications/stream`, { authorization: `Bearer ${carol.accessToken}` });
      await short.request('POST', '/api/auth/logout', { token: carol.accessToken });
      await other.waitFor(() => other.isEnded(), 5000);
    } finally {
      await short.stop();
    }
  });
});
