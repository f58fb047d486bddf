import type { AckErrorCode, ConnectErrorCode, SessionCloseReason } from '@herald/contracts';

export type ClientErrorCode =
  | ConnectErrorCode
  | AckErrorCode
  /** The server ended the session (`session:closed`): logout elsewhere, password change, disabled account… */
  | SessionCloseReason
  /** A call needs a live connection and there is none. */
  | 'offline'
  /** The server did not answer an emit within the ack timeout. */
  | 'timeout'
  /** getToken() or refreshToken() threw. */
  | 'token_unavailable'
  /** The server refused the in-band `auth:refresh`. */
  | 'refresh_refused';

/** Every error the client reports: a code to branch on and a sentence to show or log. */
export class HeraldClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'HeraldClientError';
  }
}
