import { Client } from 'pg';
import type { ApprovalDto, ApprovalKind, Notification } from '@herald/contracts';
import { addSecondManager } from './support/approvals';
import { loginAll, startTestServer, TestServer } from './support/server';
import { sleep } from './support/sockets';

/** Approval policies (admin API) and the reminders and escalations they set, with delays of a second or two. */
describe('approval reminders and escalation', () => {
  let server: TestServer;
  let sql: Client;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await loginAll(server, { tokens: token, ids: id });
    await addSecondManager(server, token, id);
    sql = new Client({ connectionString: server.db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
  });

  const call = (who: string | null, method: string, path: string, body?: unknown) => server.request(method, path, { token: who ? token[who] : undefined, body });
  const putPolicy = (kind: string, body: unknown, who = 'admin') => call(who, 'PUT', `/api/admin/approval-policies/${kind}`, body);
  const submit = async (who: string, kind: ApprovalKind, approvers: string[]): Promise<ApprovalDto> => {
    const res = await call(who, 'POST', '/api/approvals', { kind, title: `Reminded ${kind}`, amount: kind === 'leave' ? undefined : '10.00', approverIds: approvers.map((a) => id[a]) });
    expect(res.status).toBe(201);
    return res.body as ApprovalDto;
  };
  const decide = async (who: string, a: { id: string; version: number }, decision: 'approve' | 'reject') => {
    const res = await call(who, 'POST', `/api/approvals/${a.id}/decision`, { decision, version: a.version });
    expect(res.status).toBe(200);
    return res.body as ApprovalDto;
  };
  /** The user's notifications about this approval, of these types, oldest first. */
  const inboxOf = async (who: string, approvalId: string, types: string[]): Promise<Notification[]> => {
    const res = await call(who, 'GET', '/api/notifications?limit=100');
    expect(res.status).toBe(200);
    return (res.body.items as Notification[]).filter((n) => types.includes(n.type) && (n.data as { approvalId?: string }).approvalId === approvalId).reverse();
  };
  const waitFor = async (who: string, approvalId: string, type: string, timeoutMs = 10_000): Promise<Notification> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [hit] = await inboxOf(who, approvalId, [type]);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`${who} got no ${type} for approval ${approvalId} within ${timeoutMs} ms`);
      await sleep(100);
    }
  };
  const timerEvents = async (approvalId: string) =>
    (await sql.query(`SELECT type FROM outbox WHERE aggregate_id = $1 AND type IN ('approval.reminder', 'approval.escalated') ORDER BY id`, [approvalId])).rows.map(
      (r: { type: string }) => r.type,
    );

  describe('the policy API', () => {
    it('lists every kind, with nothing reminding or escalating until an admin sets it', async () => {
      const res = await call('admin', 'GET', '/api/admin/approval-policies');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        ['purchase', 'expense', 'leave'].map((kind) => ({ kind, remindAfter: null, escalateAfter: null, escalateTo: 'admins', updatedAt: null })),
      );
    });

    it('sets and reads back one kind; null disables; escalateTo defaults to the admins', async () => {
      const set = await putPolicy('expense', { remindAfter: 3600, escalateAfter: 86400, escalateTo: { userIds: [id.erin] } });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ kind: 'expense', remindAfter: 3600, escalateAfter: 86400, escalateTo: { userIds: [id.erin] }, updatedAt: expect.any(String) });
      expect((await call('admin', 'GET', '/api/admin/approval-policies/expense')).body).toEqual(set.body);
      const off = await putPolicy('expense', { remindAfter: null, escalateAfter: 600 });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ remindAfter: null, escalateAfter: 600, escalateTo: 'admins' });
      expect((await putPolicy('expense', { remindAfter: null, escalateAfter: null })).status).toBe(200);
    });

    it.each([
      [{ escalateAfter: null }, /remindAfter: must be a whole number of seconds from 1 to 2592000, or null/],
      [{ remindAfter: 0, escalateAfter: null }, /remindAfter: must be a whole number/],
      [{ remindAfter: -5, escalateAfter: null }, /remindAfter: must be a whole number/],
      [{ remindAfter: 1.5, escalateAfter: null }, /remindAfter: must be a whole number/],
      [{ remindAfter: '60', escalateAfter: null }, /remindAfter: must be a whole number/],
      [{ remindAfter: 2592001, escalateAfter: null }, /remindAfter: must be a whole number/],
      [{ remindAfter: 60 }, /escalateAfter: must be a whole number/],
      [{ remindAfter: 60, escalateAfter: 1e12 }, /escalateAfter: must be a whole number/],
      [{ remindAfter: 60, escalateAfter: 60 }, /escalateAfter: must be greater than remindAfter \(60 s\)/],
      [{ remindAfter: 600, escalateAfter: 60 }, /escalateAfter: must be greater than remindAfter/],
      [{ remindAfter: 60, escalateAfter: null, escalateTo: 'everyone' }, /escalateTo: must be "admins" or \{"userIds"/],
      [{ remindAfter: 60, escalateAfter: null, escalateTo: { userIds: [] } }, /escalateTo: must be/],
      [{ remindAfter: 60, escalateAfter: null, escalateTo: { userIds: ['x'] } }, /escalateTo: must be/],
      [{ remindAfter: 60, escalateAfter: null, escalateTo: { userIds: ['2', '2'] } }, /escalateTo: must be/],
      [{ remindAfter: 60, escalateAfter: null, escalateTo: { userIds: ['2'], roles: ['admin'] } }, /escalateTo: must be/],
      [{ remindAfter: 60, escalateAfter: null, escalateTo: { userIds: Array.from({ length: 21 }, (_, i) => String(i + 1)) } }, /escalateTo: must be/],
      [{ remindAfter: 60, escalateAfter: null, escalateTo: { userIds: ['999999'] } }, /escalateTo.userIds: there is no user with id 999999/],
      [{ remindAfter: 60, escalateAfter: null, extra: true }, /extra: unknown field/],
    ])('refuses %j with a 400 that names the field', async (body, message) => {
      const res = await putPolicy('purchase', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(message) });
    });

    it('refuses a disabled escalation target and an unknown kind with 400, and nothing was stored', async () => {
      const created = await call('admin', 'POST', '/api/users', { username: 'gone', password: 'gone-password-1', displayName: 'Gone', roles: ['staff'] });
      expect(created.status).toBe(201);
      expect((await call('admin', 'PATCH', `/api/users/${created.body.id}`, { disabled: true })).status).toBe(200);
      const disabled = await putPolicy('purchase', { remindAfter: 60, escalateAfter: null, escalateTo: { userIds: [created.body.id] } });
      expect(disabled.status).toBe(400);
      expect(disabled.body.message).toMatch(/escalateTo.userIds: user \d+ \(gone\) is disabled/);
      for (const kind of ['travel', 'toString', 'PURCHASE']) {
        const res = await call('admin', 'GET', `/api/admin/approval-policies/${kind}`);
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/kind: must be one of purchase, expense, leave/);
        expect((await putPolicy(kind, { remindAfter: 60, escalateAfter: null })).status).toBe(400);
      }
      expect((await call('admin', 'GET', '/api/admin/approval-policies/purchase')).body.updatedAt).toBeNull();
    });

    it('is for admins only: 403 for a manager and staff, 401 without a token', async () => {
      for (const who of ['carol', 'dave']) {
        expect((await call(who, 'GET', '/api/admin/approval-policies')).status).toBe(403);
        expect((await call(who, 'GET', '/api/admin/approval-policies/purchase')).status).toBe(403);
        expect((await putPolicy('purchase', { remindAfter: 1, escalateAfter: null }, who)).status).toBe(403);
      }
      expect((await call(null, 'GET', '/api/admin/approval-policies')).status).toBe(401);
      expect((await call('admin', 'GET', '/api/admin/approval-policies/purchase')).body.remindAfter).toBeNull();
    });
  });

  it('a waiting step reminds its approver, then escalates to the target and the applicant, once each', async () => {
    expect((await putPolicy('purchase', { remindAfter: 1, escalateAfter: 2, escalateTo: { userIds: [id.erin] } })).status).toBe(200);
    const a = await submit('dave', 'purchase', ['carol']);
    const reminder = await waitFor('carol', a.id, 'approval.reminder');
    // Not before its delay (the database's clock on both sides).
    expect(Date.parse(reminder.createdAt) - Date.parse(a.createdAt)).toBeGreaterThanOrEqual(1000);
    expect(reminder).toMatchObject({ title: `Waiting for your decision: ${a.title}`, readAt: null, source: 'approvals' });
    expect(reminder.data).toMatchObject({ approvalId: a.id, approverId: id.carol, waitedSeconds: 1, link: `/approvals/${a.id}` });

    const toErin = await waitFor('erin', a.id, 'approval.escalated');
    const toDave = await waitFor('dave', a.id, 'approval.escalated');
    expect(toErin.id).toBe(toDave.id);
    expect(Date.parse(toErin.createdAt) - Date.parse(a.createdAt)).toBeGreaterThanOrEqual(2000);
    expect(toErin).toMatchObject({ title: `Escalated: ${a.title}`, readAt: null });
    expect(toErin.data).toMatchObject({ approverId: id.carol, waitedSeconds: 2, escalateTo: { userIds: [id.erin] } });

    await sleep(1500); // a second firing would have had time to show up
    expect(await timerEvents(a.id)).toEqual(['approval.reminder', 'approval.escalated']);
    // Who does not hear what: the applicant gets no reminder, the approver and the other admins no escalation.
    expect(await inboxOf('dave', a.id, ['approval.reminder'])).toEqual([]);
    expect(await inboxOf('erin', a.id, ['approval.reminder'])).toEqual([]);
    expect(await inboxOf('carol', a.id, ['approval.escalated'])).toEqual([]);
    expect(await inboxOf('admin', a.id, ['approval.reminder', 'approval.escalated'])).toEqual([]);
    const { rows } = await sql.query(`SELECT kind, fired_at IS NOT NULL AS fired, cancelled_at IS NOT NULL AS cancelled FROM timers WHERE key LIKE $1 ORDER BY kind`, [`approval:${a.id}:%`]);
    expect(rows).toEqual([
      { kind: 'approval.escalate', fired: true, cancelled: false },
      { kind: 'approval.remind', fired: true, cancelled: false },
    ]);
  });

  it('a decision, a rejection or a withdrawal before the delay cancels both timers: nothing fires', async () => {
    expect((await putPolicy('expense', { remindAfter: 1, escalateAfter: 2 })).status).toBe(200);
    const approved = await submit('dave', 'expense', ['carol']);
    const rejected = await submit('dave', 'expense', ['carol']);
    const withdrawn = await submit('dave', 'expense', ['carol']);
    await decide('carol', approved, 'approve');
    await decide('carol', rejected, 'reject');
    expect((await call('dave', 'POST', `/api/approvals/${withdrawn.id}/withdraw`, {})).status).toBe(200);
    await sleep(3000); // past both delays
    for (const a of [approved, rejected, withdrawn]) {
      expect(await timerEvents(a.id)).toEqual([]);
      const { rows } = await sql.query(`SELECT fired_at, cancelled_at FROM timers WHERE key LIKE $1`, [`approval:${a.id}:%`]);
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row).toMatchObject({ fired_at: null, cancelled_at: expect.any(Date) });
    }
    expect(await inboxOf('carol', approved.id, ['approval.reminder', 'approval.escalated'])).toEqual([]);
  });

  it('the next step of a multi-step request gets timers of its own; the decided one stays quiet', async () => {
    expect((await putPolicy('leave', { remindAfter: 1, escalateAfter: 2, escalateTo: 'admins' })).status).toBe(200);
    const a = await submit('dave', 'leave', ['carol', 'mia']);
    await decide('carol', a, 'approve');
    const reminder = await waitFor('mia', a.id, 'approval.reminder');
    expect(reminder.data).toMatchObject({ approverId: id.mia, currentStep: 1 });
    const escalated = await waitFor('admin', a.id, 'approval.escalated');
    expect(escalated.data).toMatchObject({ approverId: id.mia, escalateTo: 'admins' });
    await waitFor('dave', a.id, 'approval.escalated');
    await sleep(1000);
    expect(await inboxOf('carol', a.id, ['approval.reminder', 'approval.escalated'])).toEqual([]);
    expect(await timerEvents(a.id)).toEqual(['approval.reminder', 'approval.escalated']);
  });

  it('a policy change applies to steps that start waiting later, not to timers already set', async () => {
    expect((await putPolicy('purchase', { remindAfter: 3600, escalateAfter: null })).status).toBe(200);
    const a = await submit('dave', 'purchase', ['carol']);
    expect((await putPolicy('purchase', { remindAfter: 1, escalateAfter: null })).status).toBe(200);
    await sleep(2000);
    expect(await timerEvents(a.id)).toEqual([]);
    const { rows } = await sql.query(`SELECT extract(epoch FROM due_at - now())::int AS in_s FROM timers WHERE key LIKE $1`, [`approval:${a.id}:%`]);
    expect(rows).toHaveLength(1);
    expect(rows[0].in_s).toBeGreaterThan(3000);
  });
});
