import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';

export const LOGIN_IP_LIMIT = 'login-ip';
export const LOGIN_USER_LIMIT = 'login-user';

/** Storage key `<limit name>:<tracker>`: the default key is a hash, which would hide which limit was hit. */
export const loginKey = (_context: ExecutionContext, tracker: string, limitName: string) => `${limitName}:${tracker}`;

/**
 * Limits login attempts per client IP (`login-ip`) and per username (`login-user`), both defined in
 * AuthModule. Answers 429 with a plain `Retry-After` header and says which limit was hit.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    const what = detail.key.startsWith(`${LOGIN_USER_LIMIT}:`) ? 'for this username' : 'from this address';
    throw new HttpException(
      { statusCode: 429, error: 'Too Many Requests', message: `Too many login attempts ${what}; retry in ${seconds} s.` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
