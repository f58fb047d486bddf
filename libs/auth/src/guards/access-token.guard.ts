import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '@herald/contracts';
import { AuthError } from '../auth.errors';
import { AuthService, AuthUser } from '../auth.service';
import { IS_PUBLIC, REQUIRED_ROLES } from './decorators';

/** Reads `Authorization: Bearer <token>`; anything else is refused with a message that says why. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header === '') throw new AuthError('missing_token', 'Send an access token as "Authorization: Bearer <token>".');
  // The scheme name is case-insensitive (RFC 9110 §11.1); the token is a compact JWS, three base64url parts.
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(header);
  if (!match) throw new AuthError('invalid_token', 'Malformed Authorization header; expected "Bearer <token>".');
  return match[1];
}

/**
 * Global guard: every HTTP route needs a valid access token unless marked `@Public()`, and the
 * user's roles (read from the database on each call) must include one of `@Roles(...)`.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    req.user = await this.auth.authenticate(bearerToken(req.headers.authorization));
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles?.length && !roles.some((r) => req.user!.roles.includes(r))) {
      throw new ForbiddenException(`This needs one of the roles: ${roles.join(', ')}.`);
    }
    return true;
  }
}
