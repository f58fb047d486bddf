import { BadRequestException, ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import type { AuthUser } from '@herald/auth';
import type { ApprovalDecision, ApprovalDto, ApproverOption, ApprovalEventPayload, ApprovalEventType, ApprovalStatus } from '@herald/contracts';
import { DomainEvents } from '@herald/notifications';
import { decodeCursor, encodeCursor, formatCents, parseCents } from '@herald/common';
import { ApprovalEntity, ApprovalStepEntity } from './approval.entity';
import { ApprovalTimers } from './approval-timers';
import { displayNames, eventApproval, LoadedApproval, stepsOf, toApprovalDtos } from './approval-views';
import { CreateApprovalDto, ListApprovalsQuery } from './dto/approval.dto';

export interface ApprovalPage {
  items: ApprovalDto[];
  nextCursor: string | null;
}

export interface Decision {
  decision: ApprovalDecision;
  comment?: string;
  version: number;
}

/** Approver roles: an approver must be an active user holding one of them when the request is submitted. */
const APPROVER_ROLES = ['manager', 'admin'];

function describe(approval: ApprovalEntity): string {
  return `Approval ${approval.id} is ${approval.status} (version ${approval.version})`;
}

/**
 * The OA workflow: submit, decide step by step, withdraw. Every change is a conditional UPDATE on
 * (version, status) so that of two concurrent deciders exactly one wins; its event is recorded in
 * the same transaction.
 */
@Injectable()
export class ApprovalsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: DomainEvents,
    private readonly timers: ApprovalTimers,
  ) {}

  async submit(actor: AuthUser, input: CreateApprovalDto): Promise<ApprovalDto> {
    const amount = input.amount === undefined || input.amount === null ? null : formatCents(parseCents(input.amount)!);
    return this.db.transaction(async (manager) => {
      await this.checkApprovers(manager, actor, input.approverIds);
      const repo = manager.getRepository(ApprovalEntity);
      const saved = await repo.save(
        repo.create({ kind: input.kind, title: input.title, amount, details: input.details ?? null, applicantId: actor.id, status: 'pending', currentStep: 0, version: 1 }),
      );
      await manager.getRepository(ApprovalStepEntity).insert(
        input.approverIds.map((approverId, position) => ({ approvalId: saved.id, position, approverId, status: position === 0 ? 'pending' : 'waiting' }) as const),
      );
      const dto = await this.dto(manager, saved.id);
      await this.record(manager, 'approval.submitted', actor, dto, {});
      await this.timers.armCurrentStep(manager, dto);
      return dto;
    });
  }

  async decide(actor: AuthUser, id: string, input: Decision): Promise<ApprovalDto> {
    return this.db.transaction(async (manager) => {
      const { approval, steps } = await this.load(manager, id);
      const isAdmin = actor.roles.includes('admin');
      if (approval.applicantId === actor.id) throw new ForbiddenException('You applied for this request; its approvers decide it, not you.');
      if (!isAdmin && !steps.some((s) => s.approverId === actor.id)) {
        throw new ForbiddenException('Only the approvers of this request or an admin can decide it.');
      }
      if (approval.status !== 'pending') throw new ConflictException({ message: `${describe(approval)}; it was already decided or withdrawn.`, code: 'illegal_transition' });
      if (approval.version !== input.version) throw this.stale(approval, input.version);
      const step = steps[approval.currentStep];
      if (!isAdmin && step.approverId !== actor.id) {
        const names = await displayNames(manager, [step.approverId]);
        throw new ForbiddenException(`Step ${step.position + 1} of ${steps.length} waits for ${names.get(step.approverId) ?? `user ${step.approverId}`}, not you.`);
      }
      const last = step.position === steps.length - 1;
      const reject = input.decision === 'reject';
      const status: ApprovalStatus = reject ? 'rejected' : last ? 'approved' : 'pending';
      await this.conditionalUpdate(manager, approval, input.version, { status, currentStep: status === 'pending' ? step.position + 1 : steps.length });

      const stepRepo = manager.getRepository(ApprovalStepEntity);
      await stepRepo.update(
        { approvalId: id, position: step.position },
        { status: reject ? 'rejected' : 'approved', comment: input.comment ?? null, decidedAt: () => 'now()', decidedBy: actor.id },
      );
      if (reject) await stepRepo.update({ approvalId: id, status: 'waiting' }, { status: 'skipped' });
      else if (!last) await stepRepo.update({ approvalId: id, position: step.position + 1 }, { status: 'pending' });

      const dto = await this.dto(manager, id);
      const type: ApprovalEventType = reject ? 'approval.rejected' : last ? 'approval.approved' : 'approval.step_approved';
      await this.record(manager, type, actor, dto, { decision: input.decision, comment: input.comment ?? null, stepApproverId: step.approverId });
      // The decided step's reminder and escalation go with the decision; the next step, if any, starts waiting now.
      await this.timers.disarm(manager, id);
      await this.timers.armCurrentStep(manager, dto);
      return dto;
    });
  }

  async withdraw(actor: AuthUser, id: string, version?: number): Promise<ApprovalDto> {
    return this.db.transaction(async (manager) => {
      const { approval, steps } = await this.load(manager, id);
      if (approval.applicantId !== actor.id) throw new ForbiddenException('Only the applicant can withdraw a request.');
      if (approval.status !== 'pending') throw new ConflictException({ message: `${describe(approval)}; only pending requests can be withdrawn.`, code: 'illegal_transition' });
      const expected = version ?? approval.version;
      if (approval.version !== expected) throw this.stale(approval, expected);
      const waitingFor = steps[approval.currentStep];
      await this.conditionalUpdate(manager, approval, expected, { status: 'withdrawn', currentStep: steps.length });
      await manager.getRepository(ApprovalStepEntity).update({ approvalId: id, status: In(['pending', 'waiting']) }, { status: 'skipped' });
      const dto = await this.dto(manager, id);
      await this.record(manager, 'approval.withdrawn', actor, dto, { stepApproverId: waitingFor.approverId });
      await this.timers.disarm(manager, id);
      return dto;
    });
  }

  /** Visible to the applicant, the approvers of its steps and admins. */
  async get(actor: AuthUser, id: string): Promise<ApprovalDto> {
    const loaded = await this.load(this.db.manager, id);
    const visible =
      actor.roles.includes('admin') || loaded.approval.applicantId === actor.id || loaded.steps.some((s) => s.approverId === actor.id);
    if (!visible) throw new ForbiddenException('Only the applicant, the approvers of this request and admins can see it.');
    return (await toApprovalDtos(this.db.manager, [loaded]))[0];
  }

  async list(actor: AuthUser, query: ListApprovalsQuery): Promise<ApprovalPage> {
    const box = query.box ?? 'mine';
    if (box === 'all' && !actor.roles.includes('admin')) throw new ForbiddenException('Only admins can list all approvals (box=all).');
    const limit = query.limit ?? 20;
    const qb = this.db.getRepository(ApprovalEntity).createQueryBuilder('a').orderBy('a.id', 'DESC').take(limit + 1);
    if (box === 'mine') qb.andWhere('a.applicant_id = :me', { me: actor.id });
    if (box === 'todo') this.whereTodo(qb, actor);
    if (query.cursor) qb.andWhere('a.id < :after', { after: decodeCursor('approval', query.cursor) });
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const steps = await stepsOf(this.db.manager, page.map((a) => a.id));
    return {
      items: await toApprovalDtos(this.db.manager, page.map((approval) => ({ approval, steps: steps.get(approval.id) ?? [] }))),
      nextCursor: rows.length > limit ? encodeCursor('approval', page[page.length - 1].id) : null,
    };
  }

  /** How many requests wait for the caller's decision: exactly the rows of box=todo, counted. */
  async todoCount(actor: AuthUser): Promise<{ count: number }> {
    const qb = this.db.getRepository(ApprovalEntity).createQueryBuilder('a');
    return { count: await this.whereTodo(qb, actor).getCount() };
  }

  /** box=todo: pending requests whose current step waits for the caller (only the current step has status 'pending'). */
  private whereTodo(qb: SelectQueryBuilder<ApprovalEntity>, actor: AuthUser): SelectQueryBuilder<ApprovalEntity> {
    return qb
      .andWhere(`a.status = 'pending'`)
      .andWhere(`EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = a.id AND s.status = 'pending' AND s.approver_id = :me)`, { me: actor.id });
  }

  /** Who the caller may pick as approvers: active managers and admins, themselves excepted. */
  async approverOptions(actor: AuthUser): Promise<ApproverOption[]> {
    return this.db.query(
      `SELECT id::text AS id, username, display_name AS "displayName" FROM users
        WHERE NOT disabled AND roles && $1::text[] AND id <> $2 ORDER BY lower(display_name), id`,
      [APPROVER_ROLES, actor.id],
    );
  }

  /** Each approver must exist, be active and hold an approver role; the applicant may not approve their own request. */
  private async checkApprovers(manager: EntityManager, actor: AuthUser, approverIds: string[]): Promise<void> {
    if (approverIds.includes(actor.id)) {
      throw new BadRequestException(`approverIds: you cannot approve your own request; remove ${actor.id} (you).`);
    }
    const rows: { id: string; username: string; roles: string[]; disabled: boolean }[] = await manager.query(
      `SELECT id::text AS id, username, roles, disabled FROM users WHERE id = ANY($1::bigint[])`,
      [approverIds],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of approverIds) {
      const user = byId.get(id);
      if (!user) throw new BadRequestException(`approverIds: there is no user with id ${id}.`);
      if (user.disabled) throw new BadRequestException(`approverIds: user ${id} (${user.username}) is disabled and cannot approve.`);
      if (!user.roles.some((r) => APPROVER_ROLES.includes(r))) {
        throw new BadRequestException(`approverIds: user ${id} (${user.username}) is not a manager or admin, so cannot approve.`);
      }
    }
  }

  private async load(manager: EntityManager, id: string): Promise<LoadedApproval> {
    const approval = await manager.getRepository(ApprovalEntity).findOneBy({ id });
    if (!approval) throw new NotFoundException(`No approval with id ${id}.`);
    return { approval, steps: (await stepsOf(manager, [id])).get(id) ?? [] };
  }

  private async dto(manager: EntityManager, id: string): Promise<ApprovalDto> {
    return (await toApprovalDtos(manager, [await this.load(manager, id)]))[0];
  }

  private stale(current: ApprovalEntity, sent: number): ConflictException {
    return new ConflictException({ message: `${describe(current)}; you sent version ${sent}. Reload the request and try again.`, code: 'stale_version' });
  }

  /** The race guard: only a writer that still sees the version it read, while pending, changes the row. */
  private async conditionalUpdate(
    manager: EntityManager,
    current: ApprovalEntity,
    version: number,
    changes: Pick<ApprovalEntity, 'status' | 'currentStep'>,
  ): Promise<void> {
    const result = await manager
      .createQueryBuilder()
      .update(ApprovalEntity)
      .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
      .where(`id = :id AND version = :version AND status = 'pending'`, { id: current.id, version })
      .execute();
    if (result.affected !== 1) {
      const now = (await this.load(manager, current.id)).approval;
      throw new ConflictException({ message: `${describe(now)}: someone else acted on it first. Reload the request and try again.`, code: 'stale_version' });
    }
  }

  private async record(
    manager: EntityManager,
    type: ApprovalEventType,
    actor: AuthUser,
    dto: ApprovalDto,
    extra: Pick<ApprovalEventPayload, 'decision' | 'comment' | 'stepApproverId'>,
  ): Promise<void> {
    const payload = {
      approval: { ...eventApproval(dto) },
      ...extra,
      actor: { id: actor.id, displayName: actor.displayName },
    } satisfies ApprovalEventPayload;
    await this.events.record(manager, { type, aggregateId: dto.id, actorId: actor.id, payload });
  }
}
