import { CanActivate, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthService, AuthUser, bearerToken } from '@herald/auth';
import { ApiKeyGuard } from './api-key.guard';

/**
 * For read-only routes other systems and administrators both use (presence): an `X-Api-Key` is
 * checked, and rate-limited, exactly as for push; otherwise a Bearer token whose user is an admin.
 * The route must be `@Public()` so that the global access-token guard leaves the choice to this one.
 */
@Injectable()
export class ApiKeyOrAdminGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeyGuard,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    if (req.headers['x-api-key'] !== undefined) return this.apiKeys.canActivate(context);
    if (req.headers.authorization === undefined) {
      throw new HttpException(
        { statusCode: 401, error: 'Unauthorized', message: 'Send an API key in the X-Api-Key header, or an admin\'s access token as "Authorization: Bearer <token>".' },
        HttpStatus.UNAUTHORIZED,
      );
    }
    req.user = await this.auth.authenticate(bearerToken(req.headers.authorization));
    if (!req.user.roles.includes('admin')) throw new ForbiddenException('This needs one of the roles: admin (or an API key).');
    return true;
  }
}
