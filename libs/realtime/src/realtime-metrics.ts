import { Inject, Injectable, Optional } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
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
