import type { EntityManager } from 'typeorm';
import type { ApprovalDto, ApprovalEventPayload, ApprovalStepDto } from '@herald/contracts';
import { ApprovalEntity, ApprovalStepEntity } from './approval.entity';

/** An approval with its steps, as read inside one transaction. */
export interface LoadedApproval {
  approval: ApprovalEntity;
  steps: ApprovalStepEntity[];
}

/** Loads the steps of several approvals at once, in step order. */
export async function stepsOf(manager: EntityManager, approvalIds: string[]): Promise<Map<string, ApprovalStepEntity[]>> {
  const byApproval = new Map<string, ApprovalStepEntity[]>();
  if (!approvalIds.length) return byApproval;
  const rows = await manager
    .getRepository(ApprovalStepEntity)
    .createQueryBuilder('s')
    .where('s.approval_id IN (:...ids)', { ids: approvalIds })
    .orderBy('s.approval_id')
    .addOrderBy('s.position')
    .getMany();
  for (const row of rows) byApproval.set(row.approvalId, [...(byApproval.get(row.approvalId) ?? []), row]);
  return byApproval;
}

/** Display names of users, for the DTOs (one query for a whole page). */
export async function displayNames(manager: EntityManager, ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows: { id: string; display_name: string }[] = await manager.query(`SELECT id::text AS id, display_name FROM users WHERE id = ANY($1::bigint[])`, [unique]);
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

export async function toApprovalDtos(manager: EntityManager, loaded: LoadedApproval[]): Promise<ApprovalDto[]> {
  const names = await displayNames(manager, loaded.flatMap(({ approval, steps }) => [approval.applicantId, ...steps.map((s) => s.approverId)]));
  return loaded.map(({ approval, steps }) => ({
    id: approval.id,
    kind: approval.kind,
    title: approval.title,
    amount: approval.amount,
    details: approval.details,
    applicantId: approval.applicantId,
    applicantName: names.get(approval.applicantId) ?? '',
    status: approval.status,
    currentStep: approval.currentStep,
    steps: steps.map(
      (s): ApprovalStepDto => ({
        approverId: s.approverId,
        approverName: names.get(s.approverId) ?? '',
        status: s.status,
        comment: s.comment,
        decidedAt: s.decidedAt ? s.decidedAt.toISOString() : null,
        decidedBy: s.decidedBy,
      }),
    ),
    version: approval.version,
    createdAt: approval.createdAt.toISOString(),
    updatedAt: approval.updatedAt.toISOString(),
  }));
}

/** The `approval` part of every approval event, from the state after the change. */
export function eventApproval(dto: ApprovalDto): ApprovalEventPayload['approval'] {
  const current = dto.status === 'pending' ? dto.steps[dto.currentStep] : undefined;
  return {
    id: dto.id,
    kind: dto.kind,
    title: dto.title,
    amount: dto.amount,
    status: dto.status,
    applicantId: dto.applicantId,
    applicantName: dto.applicantName,
    currentStep: dto.currentStep,
    stepCount: dto.steps.length,
    currentApproverId: current?.approverId ?? null,
  };
}
