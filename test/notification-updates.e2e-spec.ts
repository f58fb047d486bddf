import { DataSource } from 'typeorm';
import type { HeraldClient } from '@herald/client';
import type { LoginResponse, Notification } from '@herald/contracts';
import { pushClient } from './support/push';
import { connectSocket, TestSocket } from './support/sockets';
import { openStream } from './support/sse';
import { startTestServer, TestServer } from './support/server';
import { testClient, until } from './support/wait';

/** Issue 12, point 3: updates in place, pushed (PATCH) and domain-driven (approval cards). */
describe('updates in place', () => {
  let server: TestServer;
  let keyA: Awaited<ReturnType<typeof pushClient>>;
  let keyB: Awaited<ReturnType<typeof pushClient>>;
  const users: Record<string, LoginResponse> = {};
  const clients: HeraldClient[] = [];
  const sockets: TestSocket[] = [];
  const patch = (id: string, body: unknown, key = keyA.key) => server.request('PATCH', `/api/push/${id}`, { headers: { 'x-api-key': key }, body });
  const inbox = async (name: string) => ((await server.request('GET', '/api/notifications?limit=50', { token: users[name].accessToken })).body as { items: Notification[] }).items;
  const live = async (name: string) => {
    const s = await connectSocket(server.url, { token: users[name].accessToken });
    sockets.push(s);
    const updated: Notification[] = [];
    s.socket.on('notification:updated', (n: Notification) => updated.push(n));
    return { s, updated };
  };

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['admin', 'alice', 'bob', 'carol']) users[name] = await server.login(name);
    keyA = await pushClient(server, 'system-a');
    keyB = await pushClient(server, 'system-b');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('PATCH /api/push/:id: the new version live (socket, client, SSE), in the inbox and on replay; earlier versions kept', async () => {
    const bob = await live('bob');
    const client = testClient(server.url, () => users.bob.accessToken);
    clients.push(client);
    const fromClient: Notification[] = [];
    client.on('updated', (n) => fromClient.push(n));
    await until(() => client.unread.get() !== null, 'client connected');
    const stream = await openStream(`${server.url}/api/notifications/stream`, { authorization: `Bearer ${users.bob.accessToken}` });
    const res = await keyA.push({ to: { userIds: [users.bob.user.id] }, type: 'invoice.issued', title: 'Invoice INV-1 for 100.00', data: { amount: '100.00' } });
    const id = res.body.ids[0] as string;
    await bob.s.waitFor(() => bob.s.received.some((n) => n.id === id));
    expect(bob.s.received.find((n) => n.id === id)).toMatchObject({ version: 1 });
    await server.request('POST', '/api/notifications/read', { token: users.bob.accessToken, body: { ids: [id] } });

    const changed = await patch(id, { title: 'Invoice INV-1 for 120.00', data: { amount: '120.00' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, title: 'Invoice INV-1 for 120.00', data: { amount: '120.00' }, version: 2, updatedAt: expect.any(String) });
    await until(() => bob.updated.length === 1 && fromClient.length === 1, 'the update live');
    // The whole notification, with bob's own read state kept.
    expect(bob.updated[0]).toMatchObject({ id, title: 'Invoice INV-1 for 120.00', body: '', version: 2, room: `user:${users.bob.user.id}`, readAt: expect.any(String) });
    expect(fromClient[0]).toMatchObject({ id, version: 2 });
    await stream.waitFor(() => stream.events.some((e) => e.event === 'notification.updated'));
    expect(JSON.parse(stream.events.find((e) => e.event === 'notification.updated')!.data!)).toMatchObject({ id, version: 2 });
    stream.close();

    expect((await patch(id, { body: 'Due in 30 days' })).body).toMatchObject({ title: 'Invoice INV-1 for 120.00', body: 'Due in 30 days', version: 3 });
    expect((await inbox('bob')).find((n) => n.id === id)).toMatchObject({ title: 'Invoice INV-1 for 120.00', body: 'Due in 30 days', version: 3 });
    const replay = await connectSocket(server.url, { token: users.bob.accessToken, lastSeenId: String(BigInt(id) - 1n) });
    sockets.push(replay);
    await replay.waitFor(() => replay.replayDone.length === 1);
    expect(replay.received.find((n) => n.id === id)).toMatchObject({ version: 3, body: 'Due in 30 days' });
    const versions = await server.app.get(DataSource).query(
      `SELECT version, title, body, replaced_by FROM notification_versions WHERE notification_id = $1 ORDER BY version`,
      [id],
    );
    expect(versions).toEqual([
      { version: 1, title: 'Invoice INV-1 for 100.00', body: '', replaced_by: `api_key:${keyA.keyId}` },
      { version: 2, title: 'Invoice INV-1 for 120.00', body: '', replaced_by: `api_key:${keyA.keyId}` },
    ]);

    // Validated like a push; another key's is a 404; a recalled one cannot change.
    expect((await patch(id, {})).status).toBe(400);
    expect((await patch(id, { title: '' })).status).toBe(400);
    expect((await patch(id, { title: 'x'.repeat(201) })).status).toBe(400);
    expect((await patch(id, { title: 'ok', to: { all: true } })).status).toBe(400);
    expect((await patch(id, { data: 'not an object' })).status).toBe(400);
    expect((await patch(id, { data: { blob: 'x'.repeat(20_000) } })).status).toBe(413);
    expect((await patch(id, { title: 'mine now' }, keyB.key)).status).toBe(404);
    expect((await patch('999999999', { title: 'nothing' })).status).toBe(404);
    await server.request('DELETE', `/api/push/${id}`, { headers: { 'x-api-key': keyA.key } });
    expect((await patch(id, { title: 'too late' })).status).toBe(409);
  });

  it('an admin decides for the approver: the approver’s pending card changes live and in the inbox to say who decided what', async () => {
    const carol = await live('carol');
    const created = await server.request('POST', '/api/approvals', {
      token: users.alice.accessToken,
      body: { kind: 'expense', title: 'New laptop', amount: '1200.00', approverIds: [users.carol.user.id] },
    });
    expect(created.status).toBe(201);
    await carol.s.waitFor(() => carol.s.received.some((n) => n.type === 'approval.submitted'));
    const card = carol.s.received.find((n) => n.type === 'approval.submitted')!;
    const decided = await server.request('POST', `/api/approvals/${created.body.id}/decision`, {
      token: users.admin.accessToken,
      body: { decision: 'approve', comment: 'urgent', version: created.body.version },
    });
    expect(decided.status).toBe(200);
    await until(() => carol.updated.some((n) => n.id === card.id), 'carol’s card changes');
    const changed = carol.updated.find((n) => n.id === card.id)!;
    expect(changed).toMatchObject({ version: 2, title: `Approved by ${users.admin.user.displayName}: New laptop`, data: { status: 'approved', outcome: { decision: 'approve', by: users.admin.user.displayName } } });
    expect((await inbox('carol')).find((n) => n.id === card.id)).toMatchObject({ version: 2, title: changed.title });
  });

  it('two steps: the first approver’s card changes when they decide, the second’s when it is rejected, and the applicant’s copy too', async () => {
    const carol = await live('carol');
    const admin = await live('admin');
    const alice = await live('alice');
    const created = await server.request('POST', '/api/approvals', {
      token: users.alice.accessToken,
      body: { kind: 'purchase', title: 'Forklift', amount: '9000.00', approverIds: [users.carol.user.id, users.admin.user.id] },
    });
    await carol.s.waitFor(() => carol.s.received.some((n) => n.type === 'approval.submitted'));
    const first = carol.s.received.find((n) => n.type === 'approval.submitted')!;
    const step1 = await server.request('POST', `/api/approvals/${created.body.id}/decision`, {
      token: users.carol.accessToken,
      body: { decision: 'approve', version: created.body.version },
    });
    expect(step1.status).toBe(200);
    await until(() => carol.updated.some((n) => n.id === first.id), 'carol’s card says she approved');
    expect(carol.updated.find((n) => n.id === first.id)!.title).toBe(`Approved by ${users.carol.user.displayName}: Forklift`);
    await admin.s.waitFor(() => admin.s.received.some((n) => n.type === 'approval.step_approved'));
    const second = admin.s.received.find((n) => n.type === 'approval.step_approved')!;
    await server.request('POST', `/api/approvals/${created.body.id}/decision`, {
      token: users.admin.accessToken,
      body: { decision: 'reject', comment: 'too expensive', version: step1.body.version },
    });
    await until(() => admin.updated.some((n) => n.id === second.id) && alice.updated.some((n) => n.id === second.id), 'the second card changes for admin and alice');
    expect(alice.updated.find((n) => n.id === second.id)).toMatchObject({ title: `Rejected by ${users.admin.user.displayName}: Forklift`, data: { outcome: { decision: 'reject' } } });
  });

  it('a withdrawn request changes the waiting approver’s card', async () => {
    const carol = await live('carol');
    const created = await server.request('POST', '/api/approvals', {
      token: users.alice.accessToken,
      body: { kind: 'leave', title: 'Friday off', approverIds: [users.carol.user.id] },
    });
    await carol.s.waitFor(() => carol.s.received.some((n) => n.type === 'approval.submitted' && (n.data as { approvalId?: string }).approvalId === created.body.id));
    const card = carol.s.received.find((n) => (n.data as { approvalId?: string }).approvalId === created.body.id)!;
    expect((await server.request('POST', `/api/approvals/${created.body.id}/withdraw`, { token: users.alice.accessToken })).status).toBe(200);
    await until(() => carol.updated.some((n) => n.id === card.id), 'carol’s card says withdrawn');
    expect(carol.updated.find((n) => n.id === card.id)!.title).toBe(`Withdrawn by ${users.alice.user.displayName}: Friday off`);
  });
});
