import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from '@herald/contracts';

/** Builds the one error shape Herald answers with. */
export function errorBody(statusCode: number, message: string, code?: string): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (code) body.code = code;
  return body;
}
