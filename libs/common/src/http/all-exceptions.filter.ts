import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FieldProblem } from '@herald/contracts';
// Deep imports: these files import nothing, while the @herald/database barrel imports @herald/common.
import { isDatabaseBusyError, isDatabaseUnavailableError } from '@herald/database/connection-errors';
import { safeError } from '@herald/database/log-serializers';
import { errorBody } from './error-body';
import { loggedPath, requestIdOf } from './request-id';

/** Seconds a client should wait before retrying while the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
/** One warning per this many ms while the database is away, not one per request. */
const UNAVAILABLE_LOG_INTERVAL_MS = 5000;
/** The field a sentence starts with: `to.userIds: …`, `items.0: …`. */
const FIELD_PREFIX = /^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*): /;

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
}

/**
 * Turns every error into `{statusCode, error, message, code, requestId}` (400s also `{field, rule, limit, errors}`). Body-parser failures (too large,
 * malformed JSON) become 413/400; a database that cannot be reached, or is too busy to take a lock in
 * time, is 503 with Retry-After; anything unexpected is logged and answered 500 without details.
 * Errors are logged through safeError: never a query's parameters.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');
  private lastUnavailableLog = 0;
  private unavailableSinceLog = 0;

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const req = host.switchToHttp().getRequest<Request>();
    const requestId = requestIdOf(req, res);
    const { status, body, retryAfter } = this.describe(exception);
    body.requestId = requestId;
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    // For the access line: a failed login says `invalid_credentials`, not only 401.
    if (body.code) res.locals.errorCode = body.code;
    res.status(status).json(body);
    // Refused before the request logger ran (body parser, NUL check): write its access line here.
    if (!(req as Request & { log?: unknown }).log) this.logRefusedEarly(req, status, requestId, body.code);
  }

  /** The access line of a request refused by a middleware that runs before the request logger. */
  private logRefusedEarly(req: Request, status: number, requestId: string, code: string | undefined): void {
    const line = { access: true, requestId, method: req.method, route: 'unmatched', path: loggedPath(req), status, ...(code ? { code } : {}) };
    const message = `${req.method} unmatched ${status}`;
    if (status >= 500) this.log.error(line, message);
    else this.log.warn(line, message);
  }

  private describe(exception: unknown): { status: number; body: ReturnType<typeof errorBody>; retryAfter?: number } {
    // The Express adapter wraps body-parser errors in an HttpException with the original as `cause`.
    const parsed = exception instanceof HttpException ? this.describeBodyParser(exception.cause) : undefined;
    if (parsed) return parsed;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'string') return { status, body: status === 400 ? this.badRequest(response) : errorBody(status, response) };
      const r = response as { message?: string | string[]; code?: string; errors?: FieldProblem[] };
      const message = Array.isArray(r.message) ? r.message.join('; ') : (r.message ?? exception.message);
      if (status === 400 && !r.errors) return { status, body: this.badRequest(message, r.code) };
      return { status, body: errorBody(status, message, r.code, r.errors) };
    }
    const parsedRaw = this.describeBodyParser(exception);
    if (parsedRaw) return parsedRaw;
    if (isDatabaseUnavailableError(exception)) {
      this.logUnavailable(exception);
      return {
        status: 503,
        retryAfter: DATABASE_RETRY_AFTER_SECONDS,
        body: errorBody(503, 'The database cannot be reached right now; retry in a few seconds.', 'database_unavailable'),
      };
    }
    if (isDatabaseBusyError(exception)) {
      this.log.warn({ err: safeError(exception) }, 'database busy (lock or statement timeout); answered 503');
      return { status: 503, retryAfter: 1, body: errorBody(503, 'The database is busy; retry in a moment.', 'database_busy') };
    }
    this.log.error({ err: safeError(exception) }, 'unhandled error');
    return { status: 500, body: errorBody(500, 'Internal server error.', 'internal_error') };
  }

  /** A 400 thrown as a sentence: "items.0: qty × unitPrice exceeds …" still names its field for programs. */
  private badRequest(message: string, code?: string): ReturnType<typeof errorBody> {
    const field = FIELD_PREFIX.exec(message)?.[1];
    if (!field) return errorBody(400, message, code);
    return errorBody(400, message, code ?? 'validation_failed', [{ field, message }]);
  }

  private logUnavailable(exception: unknown): void {
    this.unavailableSinceLog++;
    if (Date.now() - this.lastUnavailableLog < UNAVAILABLE_LOG_INTERVAL_MS) return;
    this.log.warn({ err: safeError(exception), requests: this.unavailableSinceLog }, 'the database cannot be reached; answering 503');
    this.lastUnavailableLog = Date.now();
    this.unavailableSinceLog = 0;
  }

  /** Body-parser failures, answered with a sentence rather than the parser's own wording. */
  private describeBodyParser(error: unknown): { status: number; body: ReturnType<typeof errorBody> } | undefined {
    const parser = error as BodyParserError | undefined;
    if (parser?.type === 'entity.too.large') {
      return { status: 413, body: errorBody(413, `The request body is larger than the limit of ${parser.limit} bytes.`, 'payload_too_large') };
    }
    if (parser?.type === 'entity.parse.failed') {
      return { status: 400, body: errorBody(400, 'The request body is not valid JSON.', 'invalid_json') };
    }
    if ((typeof parser?.type === 'string' && parser.type.startsWith('encoding.')) || parser?.type === 'charset.unsupported') {
      return { status: 415, body: errorBody(415, 'Unsupported request encoding; send UTF-8 JSON.') };
    }
    return undefined;
  }
}

