import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Registry } from 'prom-client';
import { AuthError, Public } from '@herald/auth';
import { HERALD_CONFIG, HeraldConfig, METRICS_REGISTRY } from '@herald/common';

// Hashing first gives both sides the same length, so the comparison leaks neither content nor length.
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Prometheus scrape endpoint. It carries counts, no user data: public unless METRICS_TOKEN is set,
 * then only `Authorization: Bearer <METRICS_TOKEN>` is let in (user tokens are not: @Public skips them).
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly expected?: Buffer;

  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HERALD_CONFIG) config: HeraldConfig,
  ) {
    if (config.METRICS_TOKEN) this.expected = digest(config.METRICS_TOKEN);
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (this.expected) {
      const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (!match || !timingSafeEqual(digest(match[1]), this.expected)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new AuthError(match ? 'invalid_token' : 'missing_token', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
      }
    }
    res.setHeader('Content-Type', this.registry.contentType);
    res.send(await this.registry.metrics());
  }
}
