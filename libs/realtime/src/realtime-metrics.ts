import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@herald/common';
import { RealtimeGateway } from './realtime.gateway';

/** Socket gauges, read when Prometheus scrapes (nothing is counted inside the gateway's handlers). */
@Injectable()
export class RealtimeMetrics {
  constructor(gateway: RealtimeGateway, @Optional() @Inject(METRICS_REGISTRY) registry?: Registry) {
    if (!registry) return;
    new Gauge({
      name: 'herald_sockets_connected',
      help: 'Socket.IO connections on this instance',
      registers: [registry],
      collect() {
        this.set(gateway.connectedCount);
      },
    });
  }
}

/**
 * Socket.IO adapter operations that did not reach Redis, by reason: `refused` (Redis was not ready,
 * so the adapter did not try) or `failed` (a Redis command was rejected, e.g. Redis died mid-call).
 * One counter per registry, whoever asks first creates it.
 */
export function adapterErrorsCounter(registry: Registry): Counter<'reason'> {
  const existing = registry.getSingleMetric('herald_adapter_errors_total');
  if (existing) return existing as Counter<'reason'>;
  return new Counter({
    name: 'herald_adapter_errors_total',
    help: 'Socket.IO adapter operations that did not reach Redis (refused: Redis not ready; failed: a Redis command failed)',
    labelNames: ['reason'],
    registers: [registry],
  });
}
