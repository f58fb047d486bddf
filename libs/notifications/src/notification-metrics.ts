import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from '@herald/common';

/** 1 ms to 10 s: a local commit is delivered in milliseconds, a backed-up outbox in seconds. */
export const DELIVERY_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Prometheus metrics of the notification pipeline, registered on the app's registry when there is one. */
@Injectable()
export class NotificationMetrics {
  readonly delivered?: Counter<'mode'>;
  /** Replays started (a reader that came back with a cursor), whatever they then delivered. */
  readonly replays?: Counter;
  private readonly latency?: Histogram;

  constructor(
    @InjectDataSource() db: DataSource,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    if (!registry) return;
    this.delivered = new Counter({
      name: 'herald_notifications_delivered_total',
      help: 'Notifications written to live readers (sockets and SSE streams), by replay or live delivery',
      labelNames: ['mode'],
      registers: [registry],
    });
    this.replays = new Counter({
      name: 'herald_replays_total',
      help: 'Replays started: sockets and SSE streams that connected with a cursor (lastSeenId / Last-Event-ID)',
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'herald_delivery_latency_seconds',
      help: 'From a notification\'s commit (its created_at) to its live delivery on this instance, once per notification with a live reader here',
      buckets: DELIVERY_LATENCY_BUCKETS,
      registers: [registry],
    });
    new Gauge({
      name: 'herald_outbox_pending',
      help: 'Domain events committed but not yet turned into notifications',
      registers: [registry],
      async collect() {
        const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE processed_at IS NULL AND parked_at IS NULL`);
        this.set(n);
      },
    });
    new Gauge({
      name: 'herald_outbox_lag_seconds',
      help: 'Age of the oldest pending outbox row (committed, neither dispatched nor parked); 0 when none is pending',
      registers: [registry],
      async collect() {
        // The lowest pending id is the oldest row: one step on outbox_pending_idx, whatever the backlog.
        const rows: Array<{ age: number }> = await db.query(
          `SELECT greatest(0, extract(epoch FROM clock_timestamp() - created_at))::float8 AS age
             FROM outbox WHERE processed_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT 1`,
        );
        this.set(rows[0]?.age ?? 0);
      },
    });
    new Gauge({
      name: 'herald_outbox_parked',
      help: 'Domain events no audience rule can render, set aside until an admin requeues them (GET /api/admin/outbox?state=parked)',
      registers: [registry],
      async collect() {
        const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE parked_at IS NOT NULL`);
        this.set(n);
      },
    });
  }

  /** One live delivery of a notification committed at `createdAt` (ISO time), measured on this instance's clock. */
  observeLatency(createdAt: string): void {
    if (!this.latency) return;
    const ms = Date.now() - Date.parse(createdAt);
    // A database clock ahead of ours would give a negative age: that is a clock skew, not a fast delivery.
    if (Number.isFinite(ms)) this.latency.observe(Math.max(0, ms) / 1000);
  }
}
