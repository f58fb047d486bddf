import type { ApprovalEventPayload, ApprovalTimerEventPayload, EscalationTarget, OrderEventPayload, OrderStatus } from '@herald/contracts';
import { AUDIENCE_RULES, audienceFor, MAX_TITLE, NoAudienceRuleError } from './audience-rules';

const order = (status: OrderStatus, previousStatus?: OrderStatus): OrderEventPayload => ({
  order: { id: '7', number: 'SO-2026-000007', customer: 'ACME', total: '12.50', status, ownerId: '2', itemCount: 1 },
  previousStatus,
  actor: { id: '6', displayName: 'Erin' },
});

const approval = (over: Partial<ApprovalEventPayload['approval']> = {}, extra: Partial<ApprovalEventPayload> = {}): ApprovalEventPayload => ({
  approval: {
    id: '9', kind: 'expense', title: 'Taxi', amount: '42.00', status: 'pending', applicantId: '5', applicantName: 'Dave',
    currentStep: 0, stepCount: 2, currentApproverId: '4', ...over,
  },
  actor: { id: '4', displayName: 'Carol' },
  ...extra,
});

const waited = (escalateTo?: EscalationTarget): ApprovalTimerEventPayload => ({
  approval: approval().approval,
  step: { position: 0, approverId: '4', approverName: 'Carol', waitingSince: '2026-12-02T08:00:00.000Z' },
  waitedSeconds: 3600,
  ...(escalateTo ? { escalateTo } : {}),
});

/** The "who hears what" table, row by row. */
describe('audience rules', () => {
  it.each([
    ['order.created', order('created'), ['orders', 'user:2']],
    ['order.updated', order('created'), ['orders', 'user:2']],
    ['order.paid', order('paid', 'created'), ['orders', 'user:2', 'role:warehouse']],
    ['order.shipped', order('shipped', 'paid'), ['orders', 'user:2']],
    ['order.delivered', order('delivered', 'shipped'), ['orders', 'user:2']],
    ['order.cancelled', order('cancelled', 'created'), ['orders', 'user:2']],
  ] as const)('%s reaches the rooms of its row', (type, payload, rooms) => {
    expect(audienceFor(type, payload).rooms.sort()).toEqual([...rooms].sort());
  });

  it('a cancelled order that had been paid also reaches the warehouse', () => {
    expect(audienceFor('order.cancelled', order('cancelled', 'paid')).rooms).toContain('role:warehouse');
  });

  it.each([
    ['approval.submitted', approval(), ['user:4', 'user:5', 'approvals']],
    ['approval.step_approved', approval({ currentStep: 1, currentApproverId: '8' }, { decision: 'approve', stepApproverId: '4' }), ['user:8', 'user:5', 'approvals']],
    ['approval.approved', approval({ status: 'approved', currentApproverId: null }, { decision: 'approve' }), ['user:5', 'approvals']],
    ['approval.rejected', approval({ status: 'rejected', currentApproverId: null }, { decision: 'reject', comment: 'no' }), ['user:5', 'approvals']],
    ['approval.withdrawn', approval({ status: 'withdrawn', currentApproverId: null }, { stepApproverId: '4' }), ['user:4', 'approvals']],
  ] as const)('%s reaches the rooms of its row', (type, payload, rooms) => {
    expect(audienceFor(type, payload).rooms.sort()).toEqual([...rooms].sort());
  });

  it.each([
    ['approval.reminder', waited(), ['user:4']],
    ['approval.escalated', waited('admins'), ['user:5', 'role:admin']],
    ['approval.escalated', waited({ userIds: ['3', '6'] }), ['user:5', 'user:3', 'user:6']],
  ] as const)('%s reaches the waiting approver, or the escalation target and the applicant', (type, payload, rooms) => {
    expect(audienceFor(type, payload).rooms.sort()).toEqual([...rooms].sort());
  });

  it('a reminder or escalation has no actor, so nobody gets it already read', () => {
    const a = audienceFor('approval.escalated', waited('admins'));
    expect(a).toMatchObject({ actorId: null, readBy: [] });
    expect(a.data).toMatchObject({ approverId: '4', approverName: 'Carol', waitedSeconds: 3600, escalateTo: 'admins', link: '/approvals/9' });
  });

  it('carries what a UI needs to render the notification, with a link', () => {
    expect(audienceFor('order.paid', order('paid', 'created')).data).toMatchObject({ number: 'SO-2026-000007', customer: 'ACME', total: '12.50', status: 'paid', link: '/orders/7' });
    expect(audienceFor('approval.rejected', approval({ status: 'rejected' }, { decision: 'reject', comment: 'too dear' })).data).toMatchObject({
      title: 'Taxi', kind: 'expense', amount: '42.00', decision: 'reject', comment: 'too dear', decidedBy: 'Carol', link: '/approvals/9',
    });
  });

  it('clips titles to the column instead of failing, and de-duplicates rooms', () => {
    const long = audienceFor('approval.submitted', approval({ title: 'x'.repeat(500), currentApproverId: '5' }));
    expect(long.title.length).toBe(MAX_TITLE);
    expect(new Set(long.rooms).size).toBe(long.rooms.length);
  });

  it('gives the actor their own notification already read, whatever the event, and no one else', () => {
    const created = audienceFor('order.created', order('created'));
    expect(created).toMatchObject({ actorId: '6', readBy: ['6'] });
    const decided = audienceFor('approval.rejected', approval({ status: 'rejected', currentApproverId: null }, { decision: 'reject' }));
    expect(decided).toMatchObject({ actorId: '4', readBy: ['4'] });
    // An actor that is not a user id (a system job) marks nobody.
    expect(audienceFor('order.paid', { ...order('paid', 'created'), actor: { id: 'cron', displayName: 'Nightly' } })).toMatchObject({ actorId: null, readBy: [] });
  });

  it('names the missing rule for an unknown event type', () => {
    expect(() => audienceFor('invoice.sent', {})).toThrow(NoAudienceRuleError);
    expect(() => audienceFor('toString', {})).toThrow(/No audience rule for event type "toString"/);
    expect(Object.keys(AUDIENCE_RULES)).toHaveLength(13);
  });
});
