import type { Ack, ApprovalDto, Notification } from '@herald/contracts';
import { loginAll, startTestServer, TestServer } from './support/server';
import { connectSocket, sleep, TestSocket } from './support/sockets';

/** `approvals:decide` over a real socket, and who hears each approval event. */
describe('approvals over sockets', () => {
  let server: TestServer;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};
  const sockets: Record<string, TestSocket> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await loginAll(server, { tokens: token, ids: id });
    await server.request('POST', '/api/users', { token: token.admin, body: { username: 'mia', password: 'mia-password-1', displayName: 'Mia', roles: ['manager'] } });
    const mia = await server.login('mia', 'mia-password-1');
    token.mia = mia.accessToken;
    id.mia = mia.user.id;
    for (const name of Object.keys(token)) sockets[name] = await connectSocket(server.url, { token: token[name] });
  });
  afterAll(async () => {
    Object.values(sockets).forEach((s) => s.close());
    await server?.stop();
  });

  const submit = async (who: string, approvers: string[]): Promise<ApprovalDto> => {
    const res = await server.request('POST', '/api/approvals', { token: token[who], body: { kind: 'expense', title: 'Team dinner', amount: '180.40', approverIds: approvers.map((a) => id[a]) } });
    expect(res.status).toBe(201);
    return res.body as ApprovalDto;
  };
  const decide = (who: string, payload: unknown) =>
    sockets[who].socket.timeout(5000).emitWithAck('approvals:decide', payload) as Promise<Ack<{ approval: ApprovalDto }>>;
  const about = (who: string, approvalId: string): Notification[] => sockets[who].received.filter((n) => n.data.approvalId === approvalId);

  it('decides through the ack with the same rules as REST', async () => {
    const a = await submit('dave', ['carol', 'mia']);
    const ok = await decide('carol', { id: a.id, decision: 'approve', comment: 'Enjoy', version: 1 });
    expect(ok).toMatchObject({ ok: true, approval: { id: a.id, status: 'pending', currentStep: 1, version: 2 } });
    const rest = await server.request('GET', `/api/approvals/${a.id}`, { token: token.dave });
    expect(rest.body.steps[0]).toMatchObject({ status: 'approved', comment: 'Enjoy', decidedBy: id.carol });

    expect(await decide('carol', { id: a.id, decision: 'approve', version: 1 })).toEqual({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/version 2/) } });
    expect(await decide('bob', { id: a.id, decision: 'approve', version: 2 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await decide('carol', { id: a.id, decision: 'approve', version: 2 })).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/waits for Mia/) } });
    expect(await decide('mia', { id: '999999', decision: 'approve', version: 1 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const done = await decide('mia', { id: a.id, decision: 'reject', version: 2 });
    expect(done).toMatchObject({ ok: true, approval: { status: 'rejected' } });
  });

  it('answers bad payloads with bad_request naming the field, never throwing', async () => {
    const a = await submit('dave', ['carol']);
    const cases: Array<[unknown, RegExp]> = [
      [null, /Send \{id, decision/],
      ['approve', /Send \{id, decision/],
      [[a.id], /Send \{id, decision/],
      [{ decision: 'approve', version: 1 }, /^id: must be an approval id/],
      [{ id: Number(a.id), decision: 'approve', version: 1 }, /^id: must be an approval id/],
      [{ id: a.id, decision: 'yes', version: 1 }, /^decision: must be approve or reject/],
      [{ id: a.id, decision: 'approve' }, /^version: /],
      [{ id: a.id, decision: 'approve', version: 1, comment: 'x'.repeat(1001) }, /^comment: /],
      [{ id: a.id, decision: 'approve', version: 1, as: 'admin' }, /^as: unknown field$/],
    ];
    for (const [payload, message] of cases) {
      const answer = await decide('carol', payload);
      expect(answer).toEqual({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(message) } });
    }
    expect(sockets.carol.socket.connected).toBe(true);
    expect((await decide('carol', { id: a.id, decision: 'approve', version: 1 })).ok).toBe(true);
  });

  it('lets exactly one of a socket decider and a REST decider win', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await submit('alice', ['carol']);
      const [viaSocket, viaRest] = await Promise.all([
        decide('carol', { id: a.id, decision: 'approve', version: 1 }),
        server.request('POST', `/api/approvals/${a.id}/decision`, { token: token.admin, body: { decision: 'reject', version: 1 } }),
      ]);
      expect([viaSocket.ok, viaRest.status === 200].filter(Boolean)).toHaveLength(1);
      if (!viaSocket.ok) expect(viaSocket.error.code).toBe('conflict');
      else expect(viaRest.status).toBe(409);
    }
  });

  it('tells each event to exactly its audience: approvers, applicant and the approvals room', async () => {
    const a = await submit('dave', ['carol', 'mia']);
    await sockets.carol.waitFor(() => about('carol', a.id).length === 1, 10_000, 'approval.submitted at carol');
    const step = await decide('carol', { id: a.id, decision: 'approve', version: 1 });
    expect(step.ok).toBe(true);
    // dave applied: his own submission reaches him already read (his other tabs learn of it), then the decisions.
    await sockets.dave.waitFor(() => about('dave', a.id).length === 2, 10_000, 'step_approved at dave');
    expect((await decide('mia', { id: a.id, decision: 'approve', comment: 'Go', version: 2 })).ok).toBe(true);
    await sockets.dave.waitFor(() => about('dave', a.id).length === 3, 10_000, 'approved at dave');
    await sleep(500);

    const types = (who: string) => about(who, a.id).map((n) => n.type);
    expect(types('dave')).toEqual(['approval.submitted', 'approval.step_approved', 'approval.approved']);
    expect(about('dave', a.id).map((n) => n.readAt !== null)).toEqual([true, false, false]);
    for (const who of ['carol', 'mia', 'admin']) expect(types(who)).toEqual(['approval.submitted', 'approval.step_approved', 'approval.approved']);
    for (const who of ['alice', 'bob', 'erin']) expect(types(who)).toEqual([]);
    const approved = about('dave', a.id)[2];
    // The longest title allowed still fits a notification, and does not hold up the ones after it.
    const long = await server.request('POST', '/api/approvals', { token: token.dave, body: { kind: 'leave', title: 'L'.repeat(150), approverIds: [id.carol] } });
    expect(long.status).toBe(201);
    const next = await submit('dave', ['carol']);
    await sockets.carol.waitFor(() => about('carol', next.id).length === 1, 10_000, 'the request after a long-titled one');
    expect(about('carol', long.body.id)[0].title).toContain('L'.repeat(150));
    expect(approved.data).toMatchObject({ title: 'Team dinner', kind: 'expense', amount: '180.40', decision: 'approve', comment: 'Go', link: `/approvals/${a.id}` });
  });
});
