import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuthUser } from '@herald/auth';
import { APPROVAL_KINDS, type ApprovalKind, type ApprovalPolicyDto, type EscalationTarget } from '@herald/contracts';
import { isEscalationTarget, PutApprovalPolicyDto } from './approval-policy.dto';

interface PolicyRow {
  kind: ApprovalKind;
  remind_after: number | null;
  escalate_after: number | null;
  escalate_to: unknown;
  updated_at: Date;
}

const defaults = (kind: ApprovalKind): ApprovalPolicyDto => ({ kind, remindAfter: null, escalateAfter: null, escalateTo: 'admins', updatedAt: null });

const toDto = (row: PolicyRow): ApprovalPolicyDto => ({
  kind: row.kind,
  remindAfter: row.remind_after,
  escalateAfter: row.escalate_after,
  // Written only through put(), which validated it; a hand-edited row that is not a target falls back to the admins.
  escalateTo: isEscalationTarget(row.escalate_to) ? row.escalate_to : 'admins',
  updatedAt: row.updated_at.toISOString(),
});

/** Per approval kind: how long a step may wait before its approver is reminded, and before it is escalated to whom. */
@Injectable()
export class ApprovalPoliciesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(): Promise<ApprovalPolicyDto[]> {
    const rows: PolicyRow[] = await this.db.query(`SELECT kind, remind_after, escalate_after, escalate_to, updated_at FROM approval_policies`);
    const byKind = new Map(rows.map((r) => [r.kind, toDto(r)]));
    return APPROVAL_KINDS.map((kind) => byKind.get(kind) ?? defaults(kind));
  }

  /** The kind's policy as the given transaction sees it (the defaults when none was set). */
  async forKind(manager: EntityManager, kind: ApprovalKind): Promise<ApprovalPolicyDto> {
    const [row]: PolicyRow[] = await manager.query(
      `SELECT kind, remind_after, escalate_after, escalate_to, updated_at FROM approval_policies WHERE kind = $1`,
      [kind],
    );
    return row ? toDto(row) : defaults(kind);
  }

  get(kind: ApprovalKind): Promise<ApprovalPolicyDto> {
    return this.forKind(this.db.manager, kind);
  }

  /** Replaces the kind's policy. It applies to steps that start waiting from now on; steps already waiting keep the timers they got. */
  async put(actor: AuthUser, kind: ApprovalKind, input: PutApprovalPolicyDto): Promise<ApprovalPolicyDto> {
    const escalateTo: EscalationTarget = input.escalateTo ?? 'admins';
    if (input.remindAfter !== null && input.escalateAfter !== null && input.escalateAfter <= input.remindAfter) {
      throw new BadRequestException(
        `escalateAfter: must be greater than remindAfter (${input.remindAfter} s) so that the reminder comes first; got ${input.escalateAfter} s.`,
      );
    }
    return this.db.transaction(async (manager) => {
      if (escalateTo !== 'admins') await this.checkUsers(manager, escalateTo.userIds);
      const [row]: PolicyRow[] = await manager.query(
        // A CTE, so that the driver answers the rows whatever the statement's command tag.
        `WITH saved AS (
           INSERT INTO approval_policies (kind, remind_after, escalate_after, escalate_to, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, now(), $5)
           ON CONFLICT (kind) DO UPDATE SET remind_after = EXCLUDED.remind_after, escalate_after = EXCLUDED.escalate_after,
                  escalate_to = EXCLUDED.escalate_to, updated_at = now(), updated_by = EXCLUDED.updated_by
           RETURNING kind, remind_after, escalate_after, escalate_to, updated_at)
         SELECT * FROM saved`,
        [kind, input.remindAfter, input.escalateAfter, JSON.stringify(escalateTo), actor.id],
      );
      return toDto(row);
    });
  }

  /** Every user named must exist and be active: an escalation to nobody would be silent. */
  private async checkUsers(manager: EntityManager, ids: string[]): Promise<void> {
    const rows: Array<{ id: string; username: string; disabled: boolean }> = await manager.query(
      `SELECT id::text AS id, username, disabled FROM users WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const user = byId.get(id);
      if (!user) throw new BadRequestException(`escalateTo.userIds: there is no user with id ${id}.`);
      if (user.disabled) throw new BadRequestException(`escalateTo.userIds: user ${id} (${user.username}) is disabled and would not hear the escalation.`);
    }
  }
}
