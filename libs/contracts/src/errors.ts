/** The body of every HTTP error Herald answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** Machine-readable reason, when there is one more precise than the status. */
  code?: string;
}

/** Why a socket handshake was refused: `err.data.code` of the `connect_error`. */
export const HANDSHAKE_ERROR_CODES = ['missing_token', 'invalid_token', 'token_expired', 'user_disabled'] as const;
export type HandshakeErrorCode = (typeof HANDSHAKE_ERROR_CODES)[number];

/** `code` of a 401 answer: a handshake code, or `invalid_credentials` for a failed login. */
export type AuthErrorCode = HandshakeErrorCode | 'invalid_credentials';

/** Error codes carried by socket acks (`{ok: false, error: {code, message}}`). */
export type AckErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'internal';

export interface AckError {
  code: AckErrorCode | HandshakeErrorCode;
  message: string;
}

export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: AckError };
