import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { mutedRecipientsQuery, PreferencesService } from '../preferences/preferences.service';
import { named } from '@herald/database';

export interface FallbackRequest {
  after: number;
  channels: string[];
}

/** What a writer of notifications asks of fallbacks and preferences, beside the notification itself. */
export interface DeliveryOptions {
  /** Critical notices ignore mutes and quiet hours. */
  critical?: boolean;
  /** Overrides the admins' default for the type. */
  fallback?: FallbackRequest;
}

/** Decided before the write: who gets it already read, and the fallback it needs (if any). */
export interface DeliveryPlan {
  readBy: string[];
  fallback?: FallbackRequest & { critical: boolean };
}

/**
 * The write-time half of fallbacks and preferences, for every writer of notifications. plan() runs
 * before the writer takes its lock (it reads preferences and the type's default); recordJob() adds the
 * one fallback job row in the writer's transaction. One row per notification, whatever its audience:
 * the job expands to recipients only when it is due.
 */
@Injectable()
export class FallbackPlanner {
  constructor(private readonly preferences: PreferencesService) {}

  async plan(manager: EntityManager, type: string, rooms: readonly string[], options: DeliveryOptions = {}): Promise<DeliveryPlan> {
    const critical = options.critical === true;
    let readBy: string[] = [];
    let fallback = options.fallback;
    // The common case, one round trip: who muted the type, and the type's default fallback.
    if (!critical && !fallback) return (await this.commonPlan(manager, type, rooms)).plan;
    // A critical notice ignores mutes: nobody gets it already read because of them.
    if (!critical) readBy = await this.preferences.mutedRecipients(manager, type, rooms);
    if (!fallback) {
      const [row]: Array<{ after_seconds: number; channels: string[] }> = await manager.query(
        named(manager, `SELECT after_seconds, channels FROM fallback_defaults WHERE type = $1`),
        [type],
      );
      if (row) fallback = { after: row.after_seconds, channels: row.channels };
    }
    return { readBy, fallback: fallback && { ...fallback, critical } };
  }

  /**
   * plan() of the common case (not critical, no fallback of its own) together with a lookup of `userIds`,
   * in one round trip: a round of pushes needs both, and each statement costs a round trip to PostgreSQL.
   * `users` maps each of the ids that exists to whether it is disabled.
   */
  async planWithUsers(manager: EntityManager, type: string, rooms: readonly string[], userIds: readonly string[]): Promise<{ plan: DeliveryPlan; users: Map<string, boolean> }> {
    const { plan, users } = await this.commonPlan(manager, type, rooms, userIds);
    return { plan, users: users! };
  }

  /**
   * The common case in one round trip: who muted the type and the type's default fallback, and with `userIds`
   * also which of those users exist and whether each is disabled.
   */
  private async commonPlan(manager: EntityManager, type: string, rooms: readonly string[], userIds?: readonly string[]): Promise<{ plan: DeliveryPlan; users?: Map<string, boolean> }> {
    const muted = mutedRecipientsQuery(type, rooms);
    const n = muted.params.length;
    const lookup = userIds
      ? `,
                ARRAY(SELECT u.id::text FROM users u WHERE u.id = ANY($${n + 2}::bigint[]) AND NOT u.disabled) AS active,
                ARRAY(SELECT u.id::text FROM users u WHERE u.id = ANY($${n + 2}::bigint[]) AND u.disabled) AS disabled`
      : '';
    const [row]: Array<{ muted: string[]; after_seconds: number | null; channels: string[] | null; active?: string[]; disabled?: string[] }> = await manager.query(
      named(
        manager,
        `SELECT ARRAY(${muted.sql}) AS muted, d.after_seconds, d.channels${lookup}
           FROM (VALUES (1)) one LEFT JOIN fallback_defaults d ON d.type = $${n + 1}`,
      ),
      userIds ? [...muted.params, type, userIds] : [...muted.params, type],
    );
    const fallback = row.after_seconds !== null && row.channels ? { after: row.after_seconds, channels: row.channels, critical: false } : undefined;
    const plan: DeliveryPlan = { readBy: row.muted, fallback };
    if (!userIds) return { plan };
    const users = new Map<string, boolean>();
    for (const id of row.active ?? []) users.set(id, false);
    for (const id of row.disabled ?? []) users.set(id, true);
    return { plan, users };
  }

  /** Records the notification's fallback job, in the writer's transaction; nothing when the plan has none. */
  async recordJob(manager: EntityManager, notificationId: string, plan: DeliveryPlan): Promise<void> {
    if (!plan.fallback) return;
    await manager.query(
      `INSERT INTO fallback_jobs (notification_id, channels, critical, due_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4)) ON CONFLICT (notification_id) DO NOTHING`,
      [notificationId, [...new Set(plan.fallback.channels)], plan.fallback.critical, plan.fallback.after],
    );
  }
}
