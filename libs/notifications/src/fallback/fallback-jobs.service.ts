import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Rooms } from '@herald/contracts';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { isDatabaseUnavailableError } from '@herald/database';
import { ROOM_ROLES } from '@herald/contracts';
import { quietUntil, type QuietHours } from '../preferences/quiet-hours';
import { WakeableLoop } from '../wakeable-loop';
import { ChannelsService } from './channels.service';
import { DeliveryWorker } from './delivery-worker.service';

/** Due jobs claimed per pass, and recipients expanded per job and pass: a broadcast to 10,000 takes 20 passes. */
const JOB_BATCH = 20;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const PRUNE_BATCH = 10_000;
export const EXPAND_USERS_PER_PASS = 500;

interface JobRow {
  id: string;
  notification_id: string;
  channels: string[];
  critical: boolean;
  user_cursor: string;
}

/**
 * "Is `u` in any of these rooms now?" as SQL over users u, from the same room rules as the inbox: user
 * rooms by id, role rooms and the orders/approvals rooms by roles, `all` for everyone.
 */
export function membershipSql(rooms: readonly string[], firstParam: number): { sql: string; params: unknown[] } {
  if (rooms.includes(Rooms.all)) return { sql: 'TRUE', params: [] };
  const userIds = rooms.filter((r) => r.startsWith('user:')).map((r) => r.slice(5));
  const roles = new Set<string>();
  for (const room of rooms) {
    if (room.startsWith('role:')) roles.add(room.slice(5));
    if (room === Rooms.orders) ROOM_ROLES.orders.forEach((r) => roles.add(r));
    if (room === Rooms.approvals) ROOM_ROLES.approvals.forEach((r) => roles.add(r));
  }
  return { sql: `(u.id = ANY($${firstParam}::bigint[]) OR u.roles && $${firstParam + 1}::text[])`, params: [userIds, [...roles]] };
}

/** "User u has not read notification $n" (a read row, or everything up to read_upto read). */
const UNREAD_BY_U = (n: string) => `NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = u.id AND r.notification_id = ${n})
   AND NOT EXISTS (SELECT 1 FROM inbox_state s WHERE s.user_id = u.id AND s.read_upto >= ${n})`;

/**
 * Turns due fallback jobs into delivery rows. Claimed with FOR UPDATE SKIP LOCKED, so any number of
 * instances share them and each is expanded once; each pass adds at most EXPAND_USERS_PER_PASS email
 * recipients per job and keeps its place in `user_cursor`, so a broadcast never makes one huge transaction.
 * Who still has not read it is decided now, at the due time: a notification read before the delay sends nothing.
 */
@Injectable()
export class FallbackJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(FallbackJobs.name);
  private readonly loop: WakeableLoop;
  private lastPrune = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly channels: ChannelsService,
    private readonly deliveries: DeliveryWorker,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {
    this.loop = new WakeableLoop('FallbackJobs', () => this.pass(), config.embeddedDatabase ? 250 : 500, this.log);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass over due jobs; true when there may be more. */
  async pass(): Promise<boolean> {
    let result: { jobs: number; created: number; more: boolean };
    try {
      await this.pruneNowAndThen();
      try {
        result = await this.db.transaction((m) => this.expandDue(m));
      } catch (err) {
        if (isDatabaseUnavailableError(err)) throw err;
        this.log.warn({ err }, 'a batch of fallback jobs failed; retrying them one by one');
        result = await this.expandOneByOne();
      }
    } catch (err) {
      if (isDatabaseUnavailableError(err)) return false;
      throw err;
    }
    if (result.created) this.deliveries.wake();
    return result.more;
  }

  /**
   * Each due job in its own transaction, so one that fails cannot hold up the others: it records its
   * error and waits (2^attempts s, at most 10 minutes) before it is tried again.
   */
  private async expandOneByOne(): Promise<{ jobs: number; created: number; more: boolean }> {
    let created = 0;
    let jobs = 0;
    const failed: string[] = [];
    for (let i = 0; i < JOB_BATCH; i++) {
      let jobId: string | undefined;
      try {
        const r = await this.db.transaction(async (m) => {
          const [job]: JobRow[] = await m.query(
            `SELECT id, notification_id::text, channels, critical, user_cursor::text FROM fallback_jobs
              WHERE done_at IS NULL AND due_at <= now() AND id <> ALL($1::bigint[]) ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [failed],
          );
          jobId = job?.id;
          return job ? this.expand(m, job) : undefined;
        });
        if (!r) break;
        jobs++;
        created += r.created;
      } catch (err) {
        if (!jobId || isDatabaseUnavailableError(err)) throw err;
        failed.push(jobId);
        const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
        await this.db.query(
          `UPDATE fallback_jobs SET attempts = attempts + 1, last_error = $2,
                  due_at = now() + least(2 ^ least(attempts + 1, 20), 600) * interval '1 second' WHERE id = $1`,
          [jobId, message],
        );
        this.log.warn({ jobId, error: message }, 'a fallback job failed; it will be retried');
      }
    }
    return { jobs, created, more: false };
  }

  /**
   * Deletes finished jobs and sent or cancelled deliveries older than OUTBOX_RETENTION_DAYS, at most once
   * an hour and a bounded number at a time; parked deliveries stay for an admin.
   */
  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = Date.now();
    const days = this.config.OUTBOX_RETENTION_DAYS;
    const [{ jobs, sends }] = await this.db.query(
      `WITH old_jobs AS (
         DELETE FROM fallback_jobs WHERE id IN (
           SELECT id FROM fallback_jobs WHERE done_at < now() - make_interval(days => $1) ORDER BY done_at LIMIT $2)
         RETURNING 1),
       old_sends AS (
         DELETE FROM deliveries WHERE id IN (
           SELECT id FROM deliveries WHERE status IN ('sent', 'cancelled') AND updated_at < now() - make_interval(days => $1) ORDER BY updated_at LIMIT $2)
         RETURNING 1)
       SELECT (SELECT count(*)::int FROM old_jobs) AS jobs, (SELECT count(*)::int FROM old_sends) AS sends`,
      [days, PRUNE_BATCH],
    );
    if (jobs || sends) this.log.log({ jobs, deliveries: sends, retentionDays: days }, 'pruned finished fallback jobs and deliveries');
  }

  private async expandDue(m: EntityManager): Promise<{ jobs: number; created: number; more: boolean }> {
    const jobs: JobRow[] = await m.query(
      `SELECT id, notification_id::text, channels, critical, user_cursor::text FROM fallback_jobs
        WHERE done_at IS NULL AND due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [JOB_BATCH],
    );
    let created = 0;
    let unfinished = 0;
    for (const job of jobs) {
      const { created: c, finished } = await this.expand(m, job);
      created += c;
      if (!finished) unfinished++;
    }
    return { jobs: jobs.length, created, more: jobs.length === JOB_BATCH || unfinished > 0 };
  }

  private async expand(m: EntityManager, job: JobRow): Promise<{ created: number; finished: boolean }> {
    const rooms: string[] = (
      (await m.query(`SELECT room FROM notification_rooms WHERE notification_id = $1`, [job.notification_id])) as Array<{ room: string }>
    ).map((r) => r.room);
    if (!rooms.length) {
      await m.query(`UPDATE fallback_jobs SET done_at = now(), last_error = 'the notification is gone' WHERE id = $1`, [job.id]);
      return { created: 0, finished: true };
    }
    let created = 0;
    const problems: string[] = [];
    let wantsEmail = false;
    let emailChannelId: string | null = null;
    const first = job.user_cursor === '0';
    for (const ref of job.channels) {
      if (ref === 'email') {
        wantsEmail = true;
        continue;
      }
      const channel = await this.channels.resolve(ref, m);
      if (!channel) {
        problems.push(`no channel "${ref}"`);
        continue;
      }
      if (!channel.enabled) {
        problems.push(`channel "${channel.name}" is disabled`);
        continue;
      }
      if (channel.kind === 'email') {
        wantsEmail = true;
        emailChannelId = channel.id;
        continue;
      }
      if (!first) continue; // group messages go out once, in the job's first pass
      created += await this.groupDelivery(m, job, rooms, channel.id, channel.kind, channel.name);
    }
    let finished = true;
    let cursor = job.user_cursor;
    if (wantsEmail) {
      emailChannelId ??= (await this.channels.emailChannel(m))?.id ?? null;
      const r = await this.emailDeliveries(m, job, rooms, emailChannelId);
      created += r.created;
      finished = r.finished;
      cursor = r.cursor;
    }
    await m.query(
      `UPDATE fallback_jobs SET attempts = attempts + 1, user_cursor = $2, last_error = coalesce($3, last_error),
              done_at = CASE WHEN $4 THEN now() END WHERE id = $1`,
      [job.id, cursor, problems.length ? problems.join('; ') : null, finished],
    );
    if (problems.length) this.log.warn({ notificationId: job.notification_id, problems }, 'fallback job: some channels were skipped');
    return { created, finished };
  }

  /** One message per group robot or webhook, with how many recipients have not read it; none when everyone has. */
  private async groupDelivery(m: EntityManager, job: JobRow, rooms: string[], channelId: string, kind: string, name: string): Promise<number> {
    const member = membershipSql(rooms, 2);
    const [{ unread }] = await m.query(
      `SELECT count(*)::int AS unread FROM users u WHERE NOT u.disabled AND ${member.sql} AND ${UNREAD_BY_U('$1')}`,
      [job.notification_id, ...member.params],
    );
    if (!unread) return 0;
    const rows: unknown[] = await m.query(
      `INSERT INTO deliveries (notification_id, channel_id, channel_kind, channel_name, recipient, unread_count)
       VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT ON CONSTRAINT deliveries_once DO NOTHING RETURNING id`,
      [job.notification_id, channelId, kind, name, unread],
    );
    return rows.length;
  }

  /** The next EXPAND_USERS_PER_PASS unread recipients with an email who did not turn email fallbacks off. */
  private async emailDeliveries(m: EntityManager, job: JobRow, rooms: string[], channelId: string | null): Promise<{ created: number; finished: boolean; cursor: string }> {
    const member = membershipSql(rooms, 4);
    const users: Array<{ id: string; email: string; quiet_hours: QuietHours | null }> = await m.query(
      `SELECT u.id::text, u.email, p.quiet_hours FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id
        WHERE u.id > $2 AND NOT u.disabled AND u.email IS NOT NULL AND ${member.sql} AND ${UNREAD_BY_U('$1')}
          AND coalesce((p.fallback ->> 'email')::boolean, true)
        ORDER BY u.id LIMIT $3`,
      [job.notification_id, job.user_cursor, EXPAND_USERS_PER_PASS, ...member.params],
    );
    if (!users.length) return { created: 0, finished: true, cursor: job.user_cursor };
    const now = new Date();
    // Quiet hours hold the send until they end; a critical notice ignores them.
    const held = users.map((u) => (job.critical || !u.quiet_hours ? null : quietUntil(now, u.quiet_hours)));
    const rows: unknown[] = await m.query(
      `INSERT INTO deliveries (notification_id, channel_id, channel_kind, channel_name, user_id, recipient, next_attempt_at, held_until)
       SELECT $1, $2, 'email', 'email', v.user_id, v.email, coalesce(v.held, now()), v.held
         FROM unnest($3::bigint[], $4::text[], $5::timestamptz[]) AS v(user_id, email, held)
       ON CONFLICT ON CONSTRAINT deliveries_once DO NOTHING RETURNING id`,
      [job.notification_id, channelId, users.map((u) => u.id), users.map((u) => u.email), held.map((h) => h?.toISOString() ?? null)],
    );
    return { created: rows.length, finished: users.length < EXPAND_USERS_PER_PASS, cursor: users[users.length - 1].id };
  }
}
