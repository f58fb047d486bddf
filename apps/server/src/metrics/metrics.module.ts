import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@herald/common';
import { MetricsController } from './metrics.controller';

/**
 * `GET /metrics` in the Prometheus format: process metrics, HTTP request counts and durations (the
 * `httpMetrics` middleware, installed in create-app.ts), and
 * whatever other modules register on METRICS_REGISTRY (global, so they need not import this module).
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: METRICS_REGISTRY,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
  ],
  exports: [METRICS_REGISTRY],
})
export class MetricsModule {}
