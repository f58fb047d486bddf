import { HttpException, HttpStatus } from '@nestjs/common';
import type { AuthErrorCode } from '@herald/contracts';

/**
 * A credential was missing or refused. `code` is the same one sockets get in `connect_error`,
 * so HTTP and socket clients can react alike.
 */
export class AuthError extends HttpException {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super({ statusCode: HttpStatus.UNAUTHORIZED, error: 'Unauthorized', message, code }, HttpStatus.UNAUTHORIZED);
  }
}
