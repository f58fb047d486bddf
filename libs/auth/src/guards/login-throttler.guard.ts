import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';

export const LOGIN_IP_LIMIT = 'login-ip';
export const LOGIN_USER_LIMIT = 'login-user';
export const REFRESH_IP_LIMIT = 'refresh-ip';

/** Storage key `<limit name>:<tracker>`: the default key is a hash, which would hide which limit was hit. */
export const loginKey = (_context: ExecutionContext, tracker: string, limitName: string) => `${limitName}:${tracker}`;

/**
 * The per-username bucket of a login attempt: the name folded by PostgreSQL's lower(), the function
 * UsersService.findForLogin matches names with, so every spelling that finds one account (alice, ALICE,
 * alİce) counts against one bucket. JavaScript's toLowerCase() folds some letters differently (İ).
 */
export async function loginUserTracker(db: DataSource, req: Request): Promise<string> {
  const name = (req.body as { username?: unknown } | undefined)?.username;
  // Anything the login DTO refuses shares one bucket; it is counted, then answered 400.
  if (typeof name !== 'string' || name.length === 0) return '';
  const [{ key }]: Array<{ key: string }> = await db.query('SELECT lower($1::text) AS key', [name.slice(0, 64)]);
  return key;
}

const WHAT: Record<string, string> = {
  [LOGIN_IP_LIMIT]: 'login attempts from this address',
  [LOGIN_USER_LIMIT]: 'login attempts for this username',
  [REFRESH_IP_LIMIT]: 'token refreshes from this address',
};

/**
 * Limits login attempts per client IP (`login-ip`) and per username (`login-user`), and token
 * refreshes per client IP (`refresh-ip`), all defined in AuthModule; each route skips the limits that
 * are not its own. Answers 429 with a plain `Retry-After` header and says which limit was hit.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    const limit = detail.key.slice(0, detail.key.indexOf(':'));
    throw new HttpException(
      { statusCode: 429, error: 'Too Many Requests', message: `Too many ${WHAT[limit] ?? 'requests'}; retry in ${seconds} s.` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
