import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { revokedKeyError } from '../notification-writer';
import { ApiKeyCaller, ApiKeysService } from './api-keys.service';
import { PushRate } from './push-rate';

/**
 * Authenticates other systems by `X-Api-Key` and limits each key to PUSH_RATE_PER_SECOND, counted
 * in one-second windows shared by all instances through Redis when it is configured (PushRate: no
 * Redis call per request): 429 with Retry-After beyond.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly rate: PushRate,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { apiKey?: ApiKeyCaller }>();
    const presented = req.headers['x-api-key'];
    if (typeof presented !== 'string' || presented === '') {
      throw new HttpException({ statusCode: 401, error: 'Unauthorized', message: 'Send an API key in the X-Api-Key header.' }, HttpStatus.UNAUTHORIZED);
    }
    const caller = await this.keys.verify(presented);
    if (!caller) throw revokedKeyError();
    const rate = this.rate.take(caller.id);
    if (!rate.allowed) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(rate.retryAfter));
      throw new HttpException(
        { statusCode: 429, error: 'Too Many Requests', message: `This API key is limited to ${this.config.PUSH_RATE_PER_SECOND} pushes per second; retry shortly.` },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    req.apiKey = caller;
    return true;
  }
}
