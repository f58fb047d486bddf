import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { isDatabaseUnavailableError } from '@herald/database';
import { WakeableLoop } from '../wakeable-loop';
import type { ChannelKind, EmailConfig, RobotConfig } from './channel-kinds';
import { ChannelsService } from './channels.service';
import { Mailer, sendToRobot, type SendOutcome } from './senders';

/** Sends claimed per pass, all in flight at once: bounded, so one slow remote holds up at most this many. */
const SEND_BATCH = 20;
/** A claimed send that has not reported back by then (the process died mid-send) is due again. */
const LEASE_SECONDS = 120;
export const DELIVERY_RETRY_CAP_MS = 10 * 60_000;

/** A delivery row as the worker claims it; the admin listing reads these columns and more. */
export interface ClaimedDelivery {
  id: string;
  notification_id: string;
  channel_id: string | null;
  channel_kind: ChannelKind;
  channel_name: string;
  user_id: string | null;
  recipient: string;
  unread_count: number | null;
  attempts: number;
}

interface NotificationRow {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: Date;
}

/**
 * Sends pending deliveries (email, group robots, webhooks), recording each remote answer. A claim is a
 * lease (attempts + 1, next_attempt_at = now + LEASE_SECONDS, in one statement under FOR UPDATE SKIP
 * LOCKED) so that no transaction stays open while a remote answers, and a crash mid-send retries rather
 * than loses. A failure is retried with backoff (base · 2^(attempts − 1), capped); after
 * DELIVERY_MAX_ATTEMPTS it is parked with its reason for an admin to requeue.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(DeliveryWorker.name);
  private readonly loop: WakeableLoop;
  private readonly mailer = new Mailer();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly channels: ChannelsService,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {
    this.loop = new WakeableLoop('DeliveryWorker', () => this.pass(), config.embeddedDatabase ? 250 : 500, this.log);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    this.mailer.close();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Claims and sends one batch; true when it was full. */
  async pass(): Promise<boolean> {
    let claimed: ClaimedDelivery[];
    try {
      claimed = await this.db.query(
        `WITH due AS (
           SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED),
         leased AS (
           UPDATE deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
             FROM due WHERE d.id = due.id
           RETURNING d.id, d.notification_id::text, d.channel_id::text, d.channel_kind, d.channel_name, d.user_id::text,
                     d.recipient, d.unread_count, d.attempts)
         SELECT * FROM leased`,
        [SEND_BATCH, LEASE_SECONDS],
      );
    } catch (err) {
      if (isDatabaseUnavailableError(err)) return false;
      throw err;
    }
    const results = await Promise.allSettled(claimed.map((d) => this.deliver(d)));
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') this.log.error({ err: r.reason, deliveryId: claimed[i].id }, 'recording a delivery failed; its lease will expire and it is retried');
    }
    return claimed.length === SEND_BATCH;
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const [n]: NotificationRow[] = await this.db.query(
      `SELECT id::text, type, title, body, data, created_at FROM notifications n
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM notification_recalls rc WHERE rc.notification_id = n.id)`,
      [d.notification_id],
    );
    // A recalled notification is sent on to no one either.
    if (!n) return this.finish(d, 'cancelled', { reason: 'the notification is gone or was recalled' });
    if (d.user_id) {
      // Read in the meantime (or during quiet hours): the email would tell them what they already saw.
      const [still]: unknown[] = await this.db.query(
        `SELECT 1 FROM users u WHERE u.id = $1 AND NOT u.disabled
            AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = u.id AND r.notification_id = $2)
            AND NOT EXISTS (SELECT 1 FROM inbox_state s WHERE s.user_id = u.id AND s.read_upto >= $2)`,
        [d.user_id, d.notification_id],
      );
      if (!still) return this.finish(d, 'cancelled', { reason: 'read (or the user disabled) before it was sent' });
    }
    const outcome = await this.send(d, n);
    if (outcome.ok) return this.finish(d, 'sent', { status: outcome.status, answer: outcome.answer });
    const reason = outcome.reason;
    if (d.attempts >= this.config.DELIVERY_MAX_ATTEMPTS) {
      this.log.error({ deliveryId: d.id, channel: d.channel_name, attempts: d.attempts, reason }, 'fallback delivery parked after its last attempt');
      return this.finish(d, 'parked', { status: outcome.status, answer: outcome.answer, reason });
    }
    const delayMs = Math.min(this.config.DELIVERY_RETRY_BASE_MS * 2 ** Math.min(d.attempts - 1, 30), DELIVERY_RETRY_CAP_MS);
    this.log.warn({ deliveryId: d.id, channel: d.channel_name, attempts: d.attempts, retryInMs: delayMs, reason }, 'fallback delivery failed; it will be retried');
    await this.db.query(
      `UPDATE deliveries SET next_attempt_at = now() + $2::float8 * interval '1 millisecond', last_error = $3::text, remote_status = $4::int, remote_answer = $5::text, updated_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [d.id, delayMs, reason, outcome.status, outcome.answer],
    );
  }

  private async send(d: ClaimedDelivery, n: NotificationRow): Promise<SendOutcome> {
    const notification = { id: n.id, type: n.type, title: n.title, body: n.body, data: n.data, createdAt: n.created_at.toISOString() };
    const channel = d.channel_id ? await this.channels.resolve(d.channel_id) : undefined;
    if (d.channel_id && !channel) return { ok: false, status: null, answer: null, reason: `channel ${d.channel_id} was deleted` };
    if (channel && !channel.enabled) return { ok: false, status: null, answer: null, reason: `channel "${channel.name}" is disabled` };
    if (d.channel_kind === 'email') {
      const own = (channel?.config ?? {}) as EmailConfig;
      const smtpUrl = own.smtpUrl ?? this.config.SMTP_URL;
      if (!smtpUrl) return { ok: false, status: null, answer: null, reason: 'no SMTP server: set SMTP_URL or give the email channel an smtpUrl' };
      return this.mailer.send(smtpUrl, {
        from: own.from ?? this.config.MAIL_FROM,
        to: d.recipient,
        subject: `[Herald] ${n.title}`,
        text: `${n.title}\n\n${n.body ? `${n.body}\n\n` : ''}— ${n.type}, ${notification.createdAt}\nYou get this email because this notification was still unread in Herald.\n`,
      });
    }
    if (!channel) return { ok: false, status: null, answer: null, reason: 'the channel is missing' };
    return sendToRobot(d.channel_kind, channel.config as RobotConfig, { notification, unread: d.unread_count ?? 0 });
  }

  private async finish(d: ClaimedDelivery, status: 'sent' | 'parked' | 'cancelled', r: { status?: number | null; answer?: string | null; reason?: string }): Promise<void> {
    await this.db.query(
      `UPDATE deliveries SET status = $2::text, remote_status = coalesce($3::int, remote_status), remote_answer = coalesce($4::text, remote_answer),
              last_error = CASE WHEN $2::text = 'sent' THEN last_error ELSE coalesce($5::text, last_error) END,
              parked_reason = CASE WHEN $2::text = 'parked' THEN $5::text END,
              sent_at = CASE WHEN $2::text = 'sent' THEN now() END, next_attempt_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [d.id, status, r.status ?? null, r.answer ?? null, r.reason ?? null],
    );
  }
}
