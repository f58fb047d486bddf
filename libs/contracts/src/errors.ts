/**
 * Stable machine codes of HTTP errors (`code`): a client branches on these, never on `message`.
 * Every error body carries one; the status's own code when nothing more precise applies.
 */
export const HTTP_ERROR_CODES = [
  // 400
  'validation_failed', 'invalid_json', 'bad_request',
  // 401
  'unauthorized', 'invalid_credentials', 'missing_token', 'invalid_token', 'token_expired', 'user_disabled', 'invalid_api_key',
  // 403
  'forbidden',
  // 404
  'not_found',
  // 409
  'conflict', 'stale_version', 'illegal_transition', 'username_taken', 'last_admin', 'idempotency_conflict', 'not_parked', 'refresh_token_raced',
  'recalled',
  // 413, 415
  'payload_too_large', 'unsupported_media_type',
  // 429
  'too_many_requests', 'rate_limited', 'too_many_readers',
  // 5xx
  'internal_error', 'service_unavailable', 'database_unavailable', 'database_busy', 'not_ready',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/**
 * The rule a 400 broke (`rule`): class-validator's constraint names, plus Herald's own. `limit` comes
 * with maxLength, minLength, max, min, arrayMinSize and arrayMaxSize.
 */
export type ValidationRule =
  | 'maxLength' | 'minLength' | 'max' | 'min' | 'arrayMinSize' | 'arrayMaxSize' | 'arrayUnique'
  | 'isInt' | 'isString' | 'isArray' | 'isObject' | 'isBoolean' | 'isIn' | 'equals' | 'matches'
  | 'notBlank' | 'isMoney' | 'isHeraldId' | 'isPushRoom' | 'maxAmount' | 'whitelist' | 'unknownValue' | 'required'
  | (string & {});

/** One thing wrong with the input: the property path (`items.0.qty`), the rule and its limit. */
export interface FieldProblem {
  field: string;
  rule?: ValidationRule;
  limit?: number;
  /** The sentence for this one field, in English. */
  message: string;
}

/** The body of every HTTP error Herald answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** Machine-readable reason: always present from Herald (HTTP_ERROR_CODES); optional for bodies from elsewhere (a proxy). */
  code?: HttpErrorCode | (string & {});
  /** This request's id (the client's well-formed X-Request-Id, else generated): also in the X-Request-Id header and the logs. */
  requestId?: string;
  /** 400 about one input field: its path, like `items.0.qty` (the first problem when there are several). */
  field?: string;
  /** 400: the rule the field broke, like `maxLength`. */
  rule?: ValidationRule;
  /** 400: the number in the rule, like 200 for maxLength 200. */
  limit?: number;
  /** 400 from validation: every problem, in order (field, rule and limit above repeat the first). */
  errors?: FieldProblem[];
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
