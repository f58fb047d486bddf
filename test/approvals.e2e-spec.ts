import { Client } from 'pg';
import type { ApprovalDto } from '@herald/contracts';
import { addSecondManager } from './support/approvals';
import { loginAll, startTestServer, TestServer } from './support/server';

/** The approval workflow over REST: steps, who decides, concurrency, withdraw, who sees what. */
describe('approvals', () => {
  let server: TestServer;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await loginAll(server, { tokens: token, ids: id });
    await addSecondManager(server, token, id);
  });
  afterAll(() => server?.stop());

  const call = (who: string, method: string, path: string, body?: unknown) => server.request(method, path, { token: token[who], body });
  const submit = async (who: string, approvers: string[], body: Record<string, unknown> = {}): Promise<ApprovalDto> => {
    const res = await call(who, 'POST', '/api/approvals', { kind: 'purchase', title: 'Laptops', amount: '2400.00', approverIds: approvers.map((a) => id[a]), ...body });
    expect(res.status).toBe(201);
    return res.body as ApprovalDto;
  };
  const decide = (who: string, a: { id: string; version: number }, decision: 'approve' | 'reject', comment?: string) =>
    call(who, 'POST', `/api/approvals/${a.id}/decision`, { decision, version: a.version, ...(comment === undefined ? {} : { comment }) });
  const todo = async (who: string) => ((await call(who, 'GET', '/api/approvals?box=todo')).body.items as ApprovalDto[]).map((a) => a.id);

  async function eventsOf(approvalId: string): Promise<Array<{ type: string; actor_id: string; payload: any }>> {
    const db = new Client({ connectionString: server.db.url });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT type, actor_id::text, payload FROM outbox WHERE aggregate_id = $1 AND type LIKE 'approval.%' ORDER BY id`, [approvalId]);
      return rows;
    } finally {
      await db.end();
    }
  }

  it('runs a two-step request: carol approves, then mia approves, with one event per change', async () => {
    const a = await submit('dave', ['carol', 'mia'], { amount: 2400.5, details: 'Four of them' });
    expect(a).toMatchObject({ kind: 'purchase', title: 'Laptops', amount: '2400.50', details: 'Four of them', applicantId: id.dave, status: 'pending', currentStep: 0, version: 1 });
    expect(a.steps).toEqual([
      { approverId: id.carol, approverName: expect.any(String), status: 'pending', comment: null, decidedAt: null, decidedBy: null },
      { approverId: id.mia, approverName: 'Mia', status: 'waiting', comment: null, decidedAt: null, decidedBy: null },
    ]);
    expect(await todo('carol')).toContain(a.id);
    expect(await todo('mia')).not.toContain(a.id);
    const early = await decide('mia', a, 'approve');
    expect(early.status).toBe(403);
    expect(early.body.message).toMatch(/Step 1 of 2 waits for/);

    const first = await decide('carol', a, 'approve', 'Fine by me');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'pending', currentStep: 1, version: 2 });
    expect(first.body.steps[0]).toMatchObject({ status: 'approved', comment: 'Fine by me', decidedBy: id.carol });
    expect(first.body.steps[1].status).toBe('pending');
    expect(await todo('carol')).not.toContain(a.id);
    expect(await todo('mia')).toContain(a.id);

    const second = await decide('mia', first.body, 'approve');
    expect(second.body).toMatchObject({ status: 'approved', currentStep: 2, version: 3 });
    expect(second.body.steps.map((s: { status: string }) => s.status)).toEqual(['approved', 'approved']);
    const again = await decide('mia', second.body, 'reject');
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/is approved \(version 3\)/);

    const events = await eventsOf(a.id);
    expect(events.map((e) => e.type)).toEqual(['approval.submitted', 'approval.step_approved', 'approval.approved']);
    expect(events.map((e) => e.actor_id)).toEqual([id.dave, id.carol, id.mia]);
    expect(events[0].payload.approval).toMatchObject({ currentApproverId: id.carol, stepCount: 2, amount: '2400.50', applicantId: id.dave });
    expect(events[1].payload).toMatchObject({ decision: 'approve', comment: 'Fine by me', stepApproverId: id.carol, approval: { currentApproverId: id.mia, currentStep: 1 } });
    expect(events[2].payload).toMatchObject({ decision: 'approve', comment: null, stepApproverId: id.mia, approval: { status: 'approved', currentApproverId: null } });
  });

  it('lets an admin decide in the approver’s place; a rejection ends the request and skips later steps', async () => {
    const a = await submit('alice', ['carol', 'mia', 'admin']);
    const byAdmin = await decide('admin', a, 'approve');
    expect(byAdmin.body.steps[0]).toMatchObject({ approverId: id.carol, status: 'approved', decidedBy: id.admin });
    const rejected = await decide('mia', byAdmin.body, 'reject', 'Over budget');
    expect(rejected.body).toMatchObject({ status: 'rejected', currentStep: 3, version: 3 });
    expect(rejected.body.steps.map((s: { status: string }) => s.status)).toEqual(['approved', 'rejected', 'skipped']);
    expect((await decide('admin', rejected.body, 'approve')).status).toBe(409);
    expect((await eventsOf(a.id)).at(-1)).toMatchObject({ type: 'approval.rejected', payload: { decision: 'reject', comment: 'Over budget', stepApproverId: id.mia } });
  });

  it('refuses deciders who are neither the current approver nor an admin, and applicants deciding their own request', async () => {
    const a = await submit('alice', ['carol']);
    for (const who of ['alice', 'bob', 'erin', 'dave', 'mia']) expect((await decide(who, a, 'approve')).status).toBe(403);
    const own = await submit('admin', ['carol']);
    const self = await decide('admin', own, 'approve');
    expect(self.status).toBe(403);
    expect(self.body.message).toMatch(/You applied/);
    expect((await call('carol', 'POST', '/api/approvals/999999/decision', { decision: 'approve', version: 1 })).status).toBe(404);
    expect((await decide('carol', { id: a.id, version: 7 }, 'approve')).body.message).toMatch(/is pending \(version 1\); you sent version 7/);
  });

  it('lets exactly one of two concurrent deciders win; the other gets 409', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await submit('dave', ['carol', 'mia']);
      const [x, y] = await Promise.all([decide('carol', a, 'approve'), decide('admin', a, round % 2 ? 'reject' : 'approve')]);
      expect([x.status, y.status].sort()).toEqual([200, 409]);
      expect([x, y].find((r) => r.status === 409)!.body.message).toMatch(/\(version 2\)/);
      const after = (await call('admin', 'GET', `/api/approvals/${a.id}`)).body as ApprovalDto;
      expect(after.version).toBe(2);
      expect(after.steps[0].status).not.toBe('pending');
      expect((await eventsOf(a.id)).length).toBe(2);
    }
  });

  it('lets the applicant withdraw while pending, and nobody else', async () => {
    const a = await submit('alice', ['carol', 'mia']);
    for (const who of ['carol', 'admin', 'bob']) expect((await call(who, 'POST', `/api/approvals/${a.id}/withdraw`)).status).toBe(403);
    expect((await call('alice', 'POST', `/api/approvals/${a.id}/withdraw`, { version: 9 })).status).toBe(409);
    const withdrawn = await call('alice', 'POST', `/api/approvals/${a.id}/withdraw`, { version: 1 });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', currentStep: 2, version: 2 });
    expect(withdrawn.body.steps.map((s: { status: string }) => s.status)).toEqual(['skipped', 'skipped']);
    expect(await todo('carol')).not.toContain(a.id);
    expect((await call('alice', 'POST', `/api/approvals/${a.id}/withdraw`)).status).toBe(409);
    expect((await decide('carol', withdrawn.body, 'approve')).status).toBe(409);
    expect((await eventsOf(a.id)).at(-1)).toMatchObject({ type: 'approval.withdrawn', actor_id: id.alice, payload: { stepApproverId: id.carol, approval: { status: 'withdrawn', currentApproverId: null } } });

    const decided = await submit('alice', ['carol']);
    await decide('carol', decided, 'approve');
    const late = await call('alice', 'POST', `/api/approvals/${decided.id}/withdraw`);
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/is approved/);
  });

  it('shows a request to its applicant, its approvers and admins only', async () => {
    const a = await submit('dave', ['carol', 'mia']);
    for (const who of ['dave', 'carol', 'mia', 'admin']) expect((await call(who, 'GET', `/api/approvals/${a.id}`)).status).toBe(200);
    for (const who of ['alice', 'bob', 'erin']) expect((await call(who, 'GET', `/api/approvals/${a.id}`)).status).toBe(403);
    expect((await call('admin', 'GET', '/api/approvals/999999')).status).toBe(404);
    expect((await call('dave', 'GET', '/api/approvals/abc')).status).toBe(400);
  });

  it('lists mine, todo and (for admins) all, one page at a time', async () => {
    const mine = await call('dave', 'GET', '/api/approvals?box=mine');
    expect((mine.body.items as ApprovalDto[]).every((a) => a.applicantId === id.dave)).toBe(true);
    expect((await call('dave', 'GET', '/api/approvals')).body).toEqual(mine.body);
    expect((await call('carol', 'GET', '/api/approvals?box=all')).status).toBe(403);
    const all = await call('admin', 'GET', '/api/approvals?box=all&limit=100');
    expect(new Set((all.body.items as ApprovalDto[]).map((a) => a.applicantId))).toEqual(new Set([id.dave, id.alice, id.admin]));

    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await submit('erin', ['carol'], { title: `Page ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call('erin', 'GET', `/api/approvals?box=mine&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((a: ApprovalDto) => a.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...created].reverse());
    const todoIds = await todo('carol');
    expect(todoIds.slice(0, 7)).toEqual([...created].reverse());
  });
});
