import { Controller, Get, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LivenessResponse, ReadinessResponse } from './health-responses';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '@herald/auth';
import { ApiErrors, ApiNoSecurity, withTimeout } from '@herald/common';
import { RedisConnection } from '@herald/database';

const CHECK_TIMEOUT_MS = 3000;

@ApiTags('operations')
// 400: the NUL-character check runs on every route's query, these too.
@ApiErrors(400)
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Optional() private readonly redis?: RedisConnection,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  @ApiNoSecurity()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessResponse })
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the process can do its work. 503 only when the database is down. Redis (with
   * REDIS_URL) is `up`, or `degraded` with the reason while it is unreachable: delivery goes through
   * the database, so the instance still serves; the overall status then reads `degraded`, still 200.
   */
  @Get('ready')
  // Documented here rather than by Terminus, so that the 503 shows the one error shape it really answers with.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiNoSecurity()
  @ApiOperation({ summary: 'Readiness: 503 when the database is down; Redis trouble reads degraded, still 200' })
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiErrors(503)
  ready() {
    const checks: HealthIndicatorFunction[] = [() => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS })];
    if (this.redis?.client) checks.push(() => this.redisCheck(this.redis!));
    return this.health.check(checks).catch((err: unknown) => {
      // Terminus answers 503 with its own body; say in the one error shape which dependency is down.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const result = err.getResponse() as Partial<HealthCheckResult>;
      const down = Object.entries(result.error ?? {}).map(([name, info]) => (info?.message ? `${name} (${String(info.message)})` : name));
      throw new ServiceUnavailableException(`Not ready: ${down.join(', ') || 'a dependency'} is down.`);
    });
  }

  private async redisCheck(redis: RedisConnection) {
    const session = this.indicators.check('redis');
    const impact = 'delivery works through the database; presence counts this instance only';
    // Not connected: say so at once rather than queue a PING behind the reconnection.
    if (!redis.ready) return session.degraded({ message: `Redis at ${redis.address} is not connected, reconnecting; ${impact}` });
    try {
      const answered = await withTimeout(redis.ping().then(() => true), CHECK_TIMEOUT_MS, false);
      return answered ? session.up() : session.degraded({ message: `Redis at ${redis.address} gave no answer within ${CHECK_TIMEOUT_MS} ms; ${impact}` });
    } catch (err) {
      return session.degraded({ message: `Redis at ${redis.address} failed: ${(err as Error).message}; ${impact}` });
    }
  }
}
