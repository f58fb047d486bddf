import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { ApiKeyCaller, ApiKeysService } from './api-keys.service';

class Bucket {
  tokens: number;
  last = Date.now();
  constructor(readonly burst: number) {
    this.tokens = burst;
  }
}

/**
 * Authenticates other systems by `X-Api-Key` and limits each key to PUSH_RATE_PER_SECOND
 * (bursts of twice that) on this instance: 429 with Retry-After beyond.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly keys: ApiKeysService,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { apiKey?: ApiKeyCaller }>();
    const presented = req.headers['x-api-key'];
    if (typeof presented !== 'string' || presented === '') {
      throw new HttpException({ statusCode: 401, error: 'Unauthorized', message: 'Send an API key in the X-Api-Key header.' }, HttpStatus.UNAUTHORIZED);
    }
    const caller = await this.keys.verify(presented);
    if (!caller) throw new HttpException({ statusCode: 401, error: 'Unauthorized', message: 'Unknown or revoked API key.' }, HttpStatus.UNAUTHORIZED);
    const wait = this.take(caller.id);
    if (wait > 0) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(Math.ceil(wait)));
      throw new HttpException(
        { statusCode: 429, error: 'Too Many Requests', message: `This API key is limited to ${this.config.PUSH_RATE_PER_SECOND} pushes per second; retry shortly.` },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    req.apiKey = caller;
    return true;
  }

  /** 0 when allowed, else seconds until a token is available. */
  private take(keyId: string): number {
    const rate = this.config.PUSH_RATE_PER_SECOND;
    let b = this.buckets.get(keyId);
    if (!b) this.buckets.set(keyId, (b = new Bucket(rate * 2)));
    const now = Date.now();
    b.tokens = Math.min(b.burst, b.tokens + ((now - b.last) / 1000) * rate);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / rate;
  }
}
