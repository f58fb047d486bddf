import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@herald/contracts';
import type { AuthUser } from '../auth.service';

export const IS_PUBLIC = 'herald:public';
export const REQUIRED_ROLES = 'herald:roles';

/** The route needs no access token (login, refresh, health…). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The caller must hold at least one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** The authenticated caller (set by the access-token guard). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest<{ user: AuthUser }>().user;
});
