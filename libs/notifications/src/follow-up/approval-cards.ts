import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Rooms, type ApprovalEventPayload, type ApprovalTimerEventPayload } from '@herald/contracts';
import { MAX_TITLE } from '../audience/audience-rules';
import { FollowUp } from './follow-up.service';

/** The notifications that ask an approver for a decision on one step. */
const WAITING_TYPES = ['approval.submitted', 'approval.step_approved', 'approval.reminder', 'approval.escalated'];

/** What happened to the step a card waited for, as its data says (`outcome`). */
export interface CardOutcome {
  decision: 'approve' | 'reject' | 'withdrawn' | 'escalated';
  by: string;
  byId: string | null;
  at: string;
}

const clip = (text: string) => (text.length <= MAX_TITLE ? text : `${text.slice(0, MAX_TITLE - 1)}…`);

/**
 * Domain-driven updates in place: once an approval step is decided, withdrawn or escalated, the cards that asked
 * its approver for that decision ("Approval requested", "Step approved … your turn", reminders) change for every
 * recipient to say who decided what, so a manager's pending card changes the moment another one decides (an admin
 * deciding for them, or the applicant withdrawing). Runs in the dispatcher's transaction of the deciding event.
 */
@Injectable()
export class ApprovalCards {
  constructor(private readonly followUp: FollowUp) {}

  async afterEvent(manager: EntityManager, type: string, payload: unknown): Promise<void> {
    const outcome = this.outcomeOf(type, payload);
    if (!outcome) return;
    const { approvalId, approverId, text } = outcome;
    // Cards of this approval addressed to the approver that no decision has marked yet (the partial index on approvalId).
    const cards: Array<{ id: string; title: string; data: Record<string, unknown> }> = await manager.query(
      `SELECT n.id::text, n.title, n.data FROM notifications n
        WHERE n.source = 'approvals' AND n.data->>'approvalId' = $1 AND n.type = ANY($2::text[])
          AND NOT (n.data ? 'outcome') AND NOT ($4 AND n.data ? 'escalated')
          AND EXISTS (SELECT 1 FROM notification_rooms r WHERE r.notification_id = n.id AND r.room = $3)
          AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = n.id)
        ORDER BY n.id FOR UPDATE OF n`,
      [approvalId, WAITING_TYPES, Rooms.user(approverId), outcome.card.decision === 'escalated'],
    );
    for (const card of cards) {
      const title = typeof card.data.title === 'string' ? card.data.title : card.title;
      await this.followUp.update(
        manager,
        card.id,
        // An escalation marks the card but leaves it waiting: the decision that follows marks it again.
        { title: clip(`${text}: ${title}`), data: { ...card.data, status: outcome.status, [outcome.card.decision === 'escalated' ? 'escalated' : 'outcome']: outcome.card } },
        `event:${type}`,
      );
    }
  }

  private outcomeOf(type: string, payload: unknown): { approvalId: string; approverId: string; text: string; status: string; card: CardOutcome } | null {
    const at = new Date().toISOString();
    if (type === 'approval.step_approved' || type === 'approval.approved' || type === 'approval.rejected' || type === 'approval.withdrawn') {
      const p = payload as ApprovalEventPayload;
      const approverId = p.stepApproverId;
      if (!approverId || !p.approval?.id) return null;
      const by = p.actor.displayName;
      const decision: CardOutcome['decision'] = type === 'approval.withdrawn' ? 'withdrawn' : type === 'approval.rejected' ? 'reject' : 'approve';
      const text = decision === 'withdrawn' ? `Withdrawn by ${by}` : decision === 'reject' ? `Rejected by ${by}` : `Approved by ${by}`;
      return { approvalId: p.approval.id, approverId, text, status: p.approval.status, card: { decision, by, byId: p.actor.id, at } };
    }
    if (type === 'approval.escalated') {
      const p = payload as ApprovalTimerEventPayload;
      if (!p.step?.approverId || !p.approval?.id) return null;
      return {
        approvalId: p.approval.id,
        approverId: p.step.approverId,
        text: 'Escalated',
        status: p.approval.status,
        card: { decision: 'escalated', by: 'Herald', byId: null, at },
      };
    }
    return null;
  }
}
