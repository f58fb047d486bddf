import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from '@herald/common';

/** Prometheus metrics of the notification pipeline, registered on the app's registry when there is one. */
@Injectable()
export class NotificationMetrics {
  readonly delivered?: Counter<'mode'>;

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
      name: 'herald_outbox_parked',
      help: 'Domain events no audience rule can render, set aside until an admin requeues them (GET /api/admin/outbox?state=parked)',
      registers: [registry],
      async collect() {
        const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE parked_at IS NOT NULL`);
        this.set(n);
      },
    });
  }
}
