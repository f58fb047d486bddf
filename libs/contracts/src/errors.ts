/** The body of every HTTP error Herald answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** Machine-readable reason, when there is one more precise than the status. */
  code?: string;
  /** This request's id (the client's well-formed X-Request-Id, else generated): also in the X-Request-Id header and the logs. */
  requestId?: string;
}

/** Why a socket handshake was refused: `err.data.code` of the `connect_error`. */
export const HANDSHAKE_ERROR_CODES = ['missing_token', 'invalid_token', 'token_expired', 'user_disabled'] as const;
export type HandshakeErrorCode = (typeof HANDSHAKE_ERROR_CODES)[number];

/**
 * A handshake refused for a reason other than the credentials (the database did not answer, the
 * server is starting or stopping): `err.message === 'unavailable'`, `err.data.code === 'unavailable'`.
 * Retryable: a client tries again with backoff, as it does after `token_expired`.
 */
export const UNAVAILABLE = 'unavailable';

/** Every `err.data.code` a `connect_error` can carry, credentials or not. */
export type ConnectErrorCode = HandshakeErrorCode | typeof UNAVAILABLE | 'bad_request' | 'too_many_sockets';
/** `code` of a 429 from the SSE route when the user already has the maximum of live readers. */
export const TOO_MANY_READERS = 'too_many_readers';

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
