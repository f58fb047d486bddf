import { loginAll, startTestServer, TestServer } from './support/server';

/** Every field of the approval API validated with a 400 that names it. */
describe('approvals: validation', () => {
  let server: TestServer;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    await loginAll(server, { tokens: token, ids: id }, ['admin', 'alice', 'carol', 'dave']);
  });
  afterAll(() => server?.stop());

  const submit = (who: string, body: unknown) => server.request('POST', '/api/approvals', { token: token[who], body });
  const valid = () => ({ kind: 'purchase', title: 'Laptops', amount: '10.00', approverIds: [id.carol] });

  it.each([
    ['kind', { kind: undefined }],
    ['kind', { kind: 'holiday' }],
    ['title', { title: undefined }],
    ['title', { title: '  ' }],
    ['title', { title: 'x'.repeat(151) }],
    ['amount', { amount: undefined }],
    ['amount', { amount: null }],
    ['amount', { kind: 'expense', amount: undefined }],
    ['amount', { amount: -5 }],
    ['amount', { amount: '1.001' }],
    ['amount', { kind: 'leave', amount: 'lots' }],
    ['details', { details: 'x'.repeat(2001) }],
    ['approverIds', { approverIds: undefined }],
    ['approverIds', { approverIds: [] }],
    ['approverIds', { approverIds: 'carol' }],
    ['approverIds', { approverIds: [4] }],
    ['approverIds', { approverIds: ['carol'] }],
    ['approverIds', { approverIds: Array.from({ length: 11 }, (_, i) => String(i + 100)) }],
    ['urgent', { urgent: true }],
  ])('refuses a bad %s with a 400 naming it', async (field, change) => {
    const res = await submit('alice', { ...valid(), ...change });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`${field}:`);
  });

  it('refuses duplicate approvers, unknown users, non-approvers, disabled managers and the applicant, naming the id', async () => {
    const dup = await submit('alice', { ...valid(), approverIds: [id.carol, id.carol] });
    expect(dup.body.message).toMatch(/^approverIds: .*same user twice/);
    const unknown = await submit('alice', { ...valid(), approverIds: [id.carol, '424242'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe('approverIds: there is no user with id 424242.');
    const staff = await submit('alice', { ...valid(), approverIds: [id.dave] });
    expect(staff.status).toBe(400);
    expect(staff.body.message).toBe(`approverIds: user ${id.dave} (dave) is not a manager or admin, so cannot approve.`);
    const self = await submit('carol', { ...valid(), approverIds: [id.admin, id.carol] });
    expect(self.status).toBe(400);
    expect(self.body.message).toMatch(new RegExp(`^approverIds: you cannot approve your own request; remove ${id.carol}`));

    const made = await server.request('POST', '/api/users', { token: token.admin, body: { username: 'max', password: 'max-password-1', roles: ['manager'] } });
    expect(made.status).toBe(201);
    expect((await submit('alice', { ...valid(), approverIds: [made.body.id] })).status).toBe(201);
    await server.request('PATCH', `/api/users/${made.body.id}`, { token: token.admin, body: { disabled: true } });
    const disabled = await submit('alice', { ...valid(), approverIds: [made.body.id] });
    expect(disabled.status).toBe(400);
    expect(disabled.body.message).toBe(`approverIds: user ${made.body.id} (max) is disabled and cannot approve.`);
  });

  it('lists the possible approvers: active managers and admins, the caller excepted', async () => {
    const forAlice = await server.request('GET', '/api/approvals/approvers', { token: token.alice });
    expect(forAlice.status).toBe(200);
    const names = (forAlice.body as Array<{ username: string }>).map((u) => u.username);
    expect(names).toEqual(expect.arrayContaining(['admin', 'carol']));
    expect(names).not.toContain('alice');
    expect(names).not.toContain('dave');
    expect(names).not.toContain('max'); // disabled above
    const forCarol = (await server.request('GET', '/api/approvals/approvers', { token: token.carol })).body as Array<{ id: string; username: string; displayName: string }>;
    expect(forCarol.map((u) => u.username)).not.toContain('carol');
    expect(forCarol.find((u) => u.username === 'admin')).toEqual({ id: id.admin, username: 'admin', displayName: expect.any(String) });
  });

  it('accepts leave without an amount, ten approvers and a decimal amount sent as a number', async () => {
    const leave = await submit('alice', { kind: 'leave', title: 'Holiday', approverIds: [id.carol], details: 'Two weeks in May' });
    expect(leave.status).toBe(201);
    expect(leave.body).toMatchObject({ kind: 'leave', amount: null, details: 'Two weeks in May' });
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await server.request('POST', '/api/users', { token: token.admin, body: { username: `mgr${i}`, password: 'manager-pw-1', roles: ['manager'] } });
      ids.push(res.body.id);
    }
    const ten = await submit('alice', { kind: 'expense', title: 'Trip', amount: 0.5, approverIds: [id.carol, ...ids] });
    expect(ten.status).toBe(201);
    expect(ten.body.amount).toBe('0.50');
    expect(ten.body.steps.map((s: { approverId: string }) => s.approverId)).toEqual([id.carol, ...ids]);
  });

  it('validates decisions, withdrawals and list queries', async () => {
    const a = (await submit('alice', valid())).body;
    const decide = (body: unknown) => server.request('POST', `/api/approvals/${a.id}/decision`, { token: token.carol, body });
    for (const [field, body] of [
      ['decision', { version: 1 }],
      ['decision', { decision: 'maybe', version: 1 }],
      ['comment', { decision: 'approve', comment: 'x'.repeat(1001), version: 1 }],
      ['comment', { decision: 'approve', comment: 5, version: 1 }],
      ['version', { decision: 'approve' }],
      ['version', { decision: 'approve', version: '1' }],
      ['by', { decision: 'approve', version: 1, by: 'admin' }],
    ] as const) {
      const res = await decide(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`${field}:`);
    }
    const withdraw = await server.request('POST', `/api/approvals/${a.id}/withdraw`, { token: token.alice, body: { version: 'one' } });
    expect(withdraw.status).toBe(400);
    expect(withdraw.body.message).toContain('version:');
    expect((await decide({ decision: 'approve', comment: 'x'.repeat(1000), version: 1 })).status).toBe(200);

    for (const [field, query] of [
      ['box', 'box=others'],
      ['limit', 'limit=0'],
      ['limit', 'limit=101'],
      ['cursor', 'cursor=garbage'],
      ['status', 'status=pending'],
    ]) {
      const res = await server.request('GET', `/api/approvals?${query}`, { token: token.alice });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`${field}:`);
    }
  });
});
