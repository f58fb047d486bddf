import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ApprovalDto, ApprovalTimerEventPayload, ApprovalTimerEventType, EscalationTarget } from '@herald/contracts';
import { DomainEvents, DueTimer, TimerOutcome, Timers } from '@herald/notifications';
import { ApprovalEntity } from './approval.entity';
import { eventApproval, stepsOf, toApprovalDtos } from './approval-views';
import { ApprovalPoliciesService } from './policies/approval-policies.service';

const REMIND = 'approval.remind';
const ESCALATE = 'approval.escalate';

/** What a step's timer carries: which step of which approval, since when it waits, and (escalations) to whom. */
interface StepTimerPayload {
  approvalId: string;
  position: number;
  approverId: string;
  waitingSince: string;
  waitedSeconds: number;
  escalateTo?: EscalationTarget;
}

/** Every timer of an approval starts with this, so one prefix cancels them all. */
const prefixOf = (approvalId: string) => `approval:${approvalId}:`;

function isStepTimerPayload(p: unknown): p is StepTimerPayload {
  const v = p as Partial<StepTimerPayload> | null;
  return !!v && typeof v.approvalId === 'string' && Number.isInteger(v.position) && typeof v.approverId === 'string' && typeof v.waitingSince === 'string';
}

/**
 * The reminder and escalation of a waiting step, as durable timers. `armCurrentStep` and `disarm` run
 * in the approval's own transaction, so a decision and the cancelling of its timers commit together.
 * When a timer fires, its event is recorded in the firing transaction, only if the same step still waits.
 */
@Injectable()
export class ApprovalTimers implements OnModuleInit {
  constructor(
    private readonly timers: Timers,
    private readonly events: DomainEvents,
    private readonly policies: ApprovalPoliciesService,
  ) {}

  onModuleInit(): void {
    this.timers.handle(REMIND, (m, t) => this.fire(m, t, 'approval.reminder'));
    this.timers.handle(ESCALATE, (m, t) => this.fire(m, t, 'approval.escalated'));
  }

  /** Sets the current step's reminder and escalation from the kind's policy, counted from now. */
  async armCurrentStep(manager: EntityManager, dto: ApprovalDto): Promise<void> {
    if (dto.status !== 'pending') return;
    const step = dto.steps[dto.currentStep];
    if (!step) return;
    const policy = await this.policies.forKind(manager, dto.kind);
    const base = { approvalId: dto.id, position: dto.currentStep, approverId: step.approverId, waitingSince: dto.updatedAt };
    const key = (what: string) => `${prefixOf(dto.id)}${dto.currentStep}:${what}`;
    if (policy.remindAfter !== null) {
      const payload: StepTimerPayload = { ...base, waitedSeconds: policy.remindAfter };
      await this.timers.schedule(manager, { kind: REMIND, key: key('remind'), dueAt: { inSeconds: policy.remindAfter }, payload });
    }
    if (policy.escalateAfter !== null) {
      const payload: StepTimerPayload = { ...base, waitedSeconds: policy.escalateAfter, escalateTo: policy.escalateTo };
      await this.timers.schedule(manager, { kind: ESCALATE, key: key('escalate'), dueAt: { inSeconds: policy.escalateAfter }, payload });
    }
  }

  /** Cancels every pending timer of the approval (its step was decided, or the request withdrawn). */
  disarm(manager: EntityManager, approvalId: string): Promise<number> {
    return this.timers.cancel(manager, { prefix: prefixOf(approvalId) });
  }

  private async fire(manager: EntityManager, timer: DueTimer, type: ApprovalTimerEventType): Promise<TimerOutcome> {
    const p = timer.payload;
    if (!isStepTimerPayload(p)) throw new Error(`timer ${timer.key} has no approval step in its payload`);
    const approval = await manager.getRepository(ApprovalEntity).findOneBy({ id: p.approvalId });
    // Decided or withdrawn by a writer that raced the cancel, or moved on to another step: nothing to say.
    if (!approval || approval.status !== 'pending' || approval.currentStep !== p.position) return 'moot';
    const [dto] = await toApprovalDtos(manager, [{ approval, steps: (await stepsOf(manager, [approval.id])).get(approval.id) ?? [] }]);
    const step = dto.steps[p.position];
    if (!step || step.approverId !== p.approverId) return 'moot';
    const payload: ApprovalTimerEventPayload = {
      approval: eventApproval(dto),
      step: { position: p.position, approverId: step.approverId, approverName: step.approverName, waitingSince: p.waitingSince },
      waitedSeconds: p.waitedSeconds,
      ...(type === 'approval.escalated' ? { escalateTo: p.escalateTo ?? 'admins' } : {}),
    };
    await this.events.record(manager, { type, aggregateId: dto.id, actorId: null, payload });
    return 'fired';
  }
}
