import { STATUS_CODES } from 'node:http';
import type { ErrorBody, FieldProblem, HttpErrorCode } from '@herald/contracts';

/** The code of an error that says nothing more precise than its status. */
const STATUS_ERROR_CODES: Partial<Record<number, HttpErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
};

/** `code` for a status when the thrower gave none: the status's own (`not_found`), else its reason phrase in snake case. */
export function defaultErrorCode(statusCode: number): string {
  return STATUS_ERROR_CODES[statusCode] ?? (STATUS_CODES[statusCode] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** Builds the one error shape Herald answers with; every body has a `code`. */
export function errorBody(statusCode: number, message: string, code?: string, problems?: FieldProblem[]): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code: code || defaultErrorCode(statusCode) };
  const first = problems?.[0];
  if (first) {
    body.field = first.field;
    if (first.rule) body.rule = first.rule;
    if (first.limit !== undefined) body.limit = first.limit;
    body.errors = problems;
  }
  return body;
}
