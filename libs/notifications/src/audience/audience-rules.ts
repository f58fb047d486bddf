import {
  isValidId,
  Rooms,
  type ApprovalEventPayload,
  type ApprovalNotificationData,
  type ApprovalNotificationSummary,
  type ApprovalTimerEventPayload,
  type ApprovalTimerNotificationData,
  type DomainEventMap,
  type DomainEventType,
  type OrderEventPayload,
  type OrderNotificationData,
} from '@herald/contracts';

/** What one domain event becomes: the rooms it is addressed to and what it says. */
export interface Audience {
  rooms: string[];
  title: string;
  body: string;
  /** Everything a UI needs to render it without another request, including `link`. */
  data: OrderNotificationData | ApprovalNotificationData | ApprovalTimerNotificationData;
  source: string;
  /** The user whose action caused the event, when it was a user. */
  actorId: string | null;
  /** Users who get it already read (see actorOf). */
  readBy: string[];
}

type Rule<P> = (payload: P) => Omit<Audience, 'actorId' | 'readBy'>;

const orderData = (p: OrderEventPayload): OrderNotificationData => ({
  orderId: p.order.id,
  number: p.order.number,
  customer: p.order.customer,
  total: p.order.total,
  status: p.order.status,
  ownerId: p.order.ownerId,
  itemCount: p.order.itemCount,
  previousStatus: p.previousStatus ?? null,
  actorId: p.actor.id,
  actorName: p.actor.displayName,
  link: `/orders/${p.order.id}`,
});

const order = (title: (p: OrderEventPayload) => string, extraRooms: (p: OrderEventPayload) => string[] = () => []): Rule<OrderEventPayload> =>
  (p) => ({
    rooms: [Rooms.orders, Rooms.user(p.order.ownerId), ...extraRooms(p)],
    title: title(p),
    body: `${p.order.customer} · ${p.order.total} · ${p.actor.displayName}`,
    data: orderData(p),
    source: 'orders',
  });

/** What every approval notification's data says of the approval (decisions, reminders and escalations alike). */
const approvalSummary = (a: ApprovalEventPayload['approval']): ApprovalNotificationSummary => ({
  approvalId: a.id,
  kind: a.kind,
  title: a.title,
  amount: a.amount,
  status: a.status,
  applicantId: a.applicantId,
  applicantName: a.applicantName,
  currentStep: a.currentStep,
  stepCount: a.stepCount,
  currentApproverId: a.currentApproverId,
  link: `/approvals/${a.id}`,
});

const approvalData = (p: ApprovalEventPayload): ApprovalNotificationData => ({
  ...approvalSummary(p.approval),
  decision: p.decision ?? null,
  comment: p.comment ?? null,
  decidedBy: p.decision ? p.actor.displayName : null,
  actorId: p.actor.id,
  actorName: p.actor.displayName,
});

const approval = (title: (p: ApprovalEventPayload) => string, rooms: (p: ApprovalEventPayload) => Array<string | null | undefined>): Rule<ApprovalEventPayload> =>
  (p) => ({
    rooms: [...rooms(p).filter((r): r is string => !!r), Rooms.approvals],
    title: title(p),
    body: [p.approval.kind, p.approval.amount, p.comment ? `“${p.comment}”` : null, p.actor.displayName].filter(Boolean).join(' · '),
    data: approvalData(p),
    source: 'approvals',
  });

const userRoom = (id: string | null | undefined) => (id ? Rooms.user(id) : null);

/** Reminders and escalations have no actor: the step waited. Only the people the rule names hear them (not the approvals room). */
const waited = (title: (p: ApprovalTimerEventPayload) => string, rooms: (p: ApprovalTimerEventPayload) => string[]): Rule<ApprovalTimerEventPayload> =>
  (p) => ({
    rooms: rooms(p),
    title: title(p),
    body: [p.approval.kind, p.approval.amount, p.approval.applicantName].filter(Boolean).join(' · '),
    data: {
      ...approvalSummary(p.approval),
      approverId: p.step.approverId,
      approverName: p.step.approverName,
      waitingSince: p.step.waitingSince,
      waitedSeconds: p.waitedSeconds,
      escalateTo: p.escalateTo ?? null,
    },
    source: 'approvals',
  });

const escalationRooms = (p: ApprovalTimerEventPayload): string[] => {
  const target = p.escalateTo ?? 'admins';
  return [Rooms.user(p.approval.applicantId), ...(target === 'admins' ? [Rooms.role('admin')] : target.userIds.map((id) => Rooms.user(id)))];
};

/**
 * Who hears what: one entry per domain event type. This table is the single place to read and
 * change audiences; every room listed receives the notification once (a user in several of them
 * still gets it once).
 */
export const AUDIENCE_RULES: { [K in DomainEventType]: Rule<DomainEventMap[K]> } = {
  'order.created': order((p) => `New order ${p.order.number}`),
  'order.updated': order((p) => `Order ${p.order.number} updated`),
  'order.paid': order((p) => `Order ${p.order.number} paid`, () => [Rooms.role('warehouse')]),
  'order.shipped': order((p) => `Order ${p.order.number} shipped`),
  'order.delivered': order((p) => `Order ${p.order.number} delivered`),
  'order.cancelled': order(
    (p) => `Order ${p.order.number} cancelled`,
    (p) => (p.previousStatus === 'paid' ? [Rooms.role('warehouse')] : []),
  ),

  // The applicant too: as the actor they get it already read, and their other tabs and devices learn of the request.
  'approval.submitted': approval(
    (p) => `Approval requested: ${p.approval.title}`,
    (p) => [userRoom(p.approval.currentApproverId), userRoom(p.approval.applicantId)],
  ),
  'approval.step_approved': approval(
    (p) => `Step approved: ${p.approval.title}`,
    (p) => [userRoom(p.approval.currentApproverId), userRoom(p.approval.applicantId)],
  ),
  'approval.approved': approval((p) => `Approved: ${p.approval.title}`, (p) => [userRoom(p.approval.applicantId)]),
  'approval.rejected': approval((p) => `Rejected: ${p.approval.title}`, (p) => [userRoom(p.approval.applicantId)]),
  'approval.withdrawn': approval(
    (p) => `Withdrawn: ${p.approval.title}`,
    (p) => [userRoom(p.stepApproverId ?? p.approval.currentApproverId)],
  ),
  'approval.reminder': waited((p) => `Waiting for your decision: ${p.approval.title}`, (p) => [Rooms.user(p.step.approverId)]),
  'approval.escalated': waited((p) => `Escalated: ${p.approval.title}`, escalationRooms),
};

/**
 * The actor is not told of their own action: whoever caused an event gets its notification already read.
 * It stays in their inbox as the record of what they did (and of who else was told), but raises no badge,
 * shows no toast and sends no fallback. Left out entirely, the creator of an order would find no trace of
 * it in their own feed, and its receipts would have no sender to show them to.
 */
export function actorOf(payload: unknown): string | null {
  const id = (payload as { actor?: { id?: unknown } } | null)?.actor?.id;
  return typeof id === 'string' && isValidId(id) ? id : null;
}

/** An event no audience rule can render: retrying cannot help, so the dispatcher parks it at once with this reason. */
export class UnrenderableEventError extends Error {
  override readonly name = 'UnrenderableEventError';
}

export class NoAudienceRuleError extends UnrenderableEventError {}

/** Column limits of notifications.title; texts built from user input are clipped to fit, never refused. */
export const MAX_TITLE = 200;
const MAX_BODY = 2000;
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Applies the rule for `type`; the rooms come out de-duplicated. */
export function audienceFor(type: string, payload: unknown): Audience {
  if (!Object.hasOwn(AUDIENCE_RULES, type)) {
    throw new NoAudienceRuleError(`No audience rule for event type "${type}"; add one to AUDIENCE_RULES.`);
  }
  // The outbox row was written from a DomainEventMap payload of this type (DomainEvents.record).
  const rule = AUDIENCE_RULES[type as DomainEventType] as Rule<unknown>;
  let audience: Omit<Audience, 'actorId' | 'readBy'>;
  try {
    audience = rule(payload);
  } catch (err) {
    // The rule is pure code over the payload: a payload it cannot read fails the same way every time.
    throw new UnrenderableEventError(`The "${type}" rule cannot render this payload: ${(err as Error).message}`, { cause: err });
  }
  const actorId = actorOf(payload);
  return {
    ...audience,
    title: clip(audience.title, MAX_TITLE),
    body: clip(audience.body, MAX_BODY),
    rooms: [...new Set(audience.rooms)],
    actorId,
    readBy: actorId ? [actorId] : [],
  };
}
