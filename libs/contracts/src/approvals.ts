/** OA approvals: shapes of the REST API and of the `approval.*` events. */
export const APPROVAL_KINDS = ['purchase', 'expense', 'leave'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** `waiting`: a later step not reached yet; `pending`: the current step; `skipped`: never reached (rejected/withdrawn earlier). */
export type ApprovalStepStatus = 'waiting' | 'pending' | 'approved' | 'rejected' | 'skipped';

export interface ApprovalStepDto {
  approverId: string;
  approverName: string;
  status: ApprovalStepStatus;
  comment: string | null;
  decidedAt: string | null;
  /** Who decided: the approver, or an admin deciding in their place. */
  decidedBy: string | null;
}

export interface ApprovalDto {
  id: string;
  kind: ApprovalKind;
  title: string;
  /** Exact decimal string, or null (leave requests). */
  amount: string | null;
  details: string | null;
  applicantId: string;
  applicantName: string;
  status: ApprovalStatus;
  /** Index into `steps` of the step waiting for a decision (equals steps.length once finished). */
  currentStep: number;
  steps: ApprovalStepDto[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type ApprovalDecision = 'approve' | 'reject';

export interface DecideRequest {
  id: string;
  decision: ApprovalDecision;
  comment?: string;
  version: number;
}

export const APPROVAL_EVENTS = [
  'approval.submitted',
  'approval.step_approved',
  'approval.approved',
  'approval.rejected',
  'approval.withdrawn',
] as const;
export type ApprovalEventType = (typeof APPROVAL_EVENTS)[number];

/** What every `approval.*` domain event carries: enough to render it without another request. */
export interface ApprovalEventPayload {
  approval: {
    id: string;
    kind: ApprovalKind;
    title: string;
    amount: string | null;
    status: ApprovalStatus;
    applicantId: string;
    applicantName: string;
    currentStep: number;
    stepCount: number;
    /** The approver whose decision is awaited now (null once finished). */
    currentApproverId: string | null;
  };
  /** For decisions. */
  decision?: ApprovalDecision;
  comment?: string | null;
  /** The approver of the step that was decided, or that was waiting when withdrawn. */
  stepApproverId?: string | null;
  /** Who acted (decided, submitted or withdrew). */
  actor: { id: string; displayName: string };
}

/** Sent by Herald itself when a step has waited too long (durable timers set from the kind's approval policy). */
export const APPROVAL_TIMER_EVENTS = ['approval.reminder', 'approval.escalated'] as const;
export type ApprovalTimerEventType = (typeof APPROVAL_TIMER_EVENTS)[number];

/** Who hears `approval.escalated` besides the applicant: every admin, or the listed users. */
export type EscalationTarget = 'admins' | { userIds: string[] };

/** `approval.reminder` / `approval.escalated`: no actor (nobody acted; the step waited), the step that waits and for how long. */
export interface ApprovalTimerEventPayload {
  approval: ApprovalEventPayload['approval'];
  step: { position: number; approverId: string; approverName: string; waitingSince: string };
  /** The policy's delay that elapsed, in seconds (remindAfter or escalateAfter). */
  waitedSeconds: number;
  /** approval.escalated only. */
  escalateTo?: EscalationTarget;
}

/** `GET|PUT /api/admin/approval-policies/:kind`: delays in seconds from the moment a step starts waiting; null disables. */
export interface ApprovalPolicyDto {
  kind: ApprovalKind;
  remindAfter: number | null;
  escalateAfter: number | null;
  escalateTo: EscalationTarget;
  /** Null while the kind has never been set (the defaults: nothing reminds, nothing escalates). */
  updatedAt: string | null;
}

/**
 * Someone who may be chosen as an approver (an active manager or admin), as a submit form lists
 * them: `GET /api/approvals/approvers` (any signed-in user; the web UI falls back to typed ids without it).
 */
export interface ApproverOption {
  id: string;
  username: string;
  displayName: string;
}
