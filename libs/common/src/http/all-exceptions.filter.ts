import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { errorBody } from './error-body';

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
}

/**
 * Turns every error into `{statusCode, error, message}`. Body-parser failures (too large,
 * malformed JSON) become 413/400; anything unexpected is logged and answered 500 without details.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const { status, body } = this.describe(exception);
    res.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: ReturnType<typeof errorBody> } {
    // The Express adapter wraps body-parser errors in an HttpException with the original as `cause`.
    const parsed = exception instanceof HttpException ? this.describeBodyParser(exception.cause) : undefined;
    if (parsed) return parsed;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'string') return { status, body: errorBody(status, response) };
      const r = response as { message?: string | string[]; code?: string };
      const message = Array.isArray(r.message) ? r.message.join('; ') : (r.message ?? exception.message);
      return { status, body: errorBody(status, message, r.code) };
    }
    const parsedRaw = this.describeBodyParser(exception);
    if (parsedRaw) return parsedRaw;
    this.log.error({ err: exception }, 'unhandled error');
    return { status: 500, body: errorBody(500, 'Internal server error.') };
  }

  /** Body-parser failures, answered with a sentence rather than the parser's own wording. */
  private describeBodyParser(error: unknown): { status: number; body: ReturnType<typeof errorBody> } | undefined {
    const parser = error as BodyParserError | undefined;
    if (parser?.type === 'entity.too.large') {
      return { status: 413, body: errorBody(413, `The request body is larger than the limit of ${parser.limit} bytes.`) };
    }
    if (parser?.type === 'entity.parse.failed') {
      return { status: 400, body: errorBody(400, 'The request body is not valid JSON.') };
    }
    if ((typeof parser?.type === 'string' && parser.type.startsWith('encoding.')) || parser?.type === 'charset.unsupported') {
      return { status: 415, body: errorBody(415, 'Unsupported request encoding; send UTF-8 JSON.') };
    }
    return undefined;
  }
}
