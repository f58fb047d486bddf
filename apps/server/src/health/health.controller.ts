import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '@herald/auth';
import { RedisConnection } from '@herald/realtime';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisConnection,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the process can do its work (database reachable; Redis when configured). */
  @Get('ready')
  @HealthCheck()
  ready() {
    const checks: HealthIndicatorFunction[] = [() => this.db.pingCheck('database', { timeout: 3000 })];
    if (this.redis.client) checks.push(() => this.redisCheck());
    return this.health.check(checks);
  }

  private async redisCheck() {
    const indicator = this.indicators.check('redis');
    const started = Date.now();
    try {
      await Promise.race([this.redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 3000 ms')), 3000).unref())]);
      return indicator.up({ responseTime: Date.now() - started });
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
  }
}
