/** Errors worth retrying at start-up: the database may simply not be up yet. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', '57P03']);

/** What PostgreSQL or the network said, in words an operator can act on. */
const EXPLAINED: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is PostgreSQL running there?',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'no answer (timed out)',
  EAI_AGAIN: 'the host name could not be resolved',
  ENOTFOUND: 'the host name could not be resolved',
  '57P03': 'the database is starting up',
  '28P01': 'wrong user name or password',
  '28000': 'this user may not connect (pg_hba.conf)',
  '3D000': 'the database does not exist',
};

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** True for errors that retrying the connection may cure. */
export function isTransientConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && TRANSIENT.has(code);
}

/**
 * One line for an error met while connecting to the database, or undefined when it is not a
 * connection error. Names the host but never the password.
 */
export function describeConnectionError(err: unknown, url: string | undefined): string | undefined {
  const code = codeOf(err);
  if (code === undefined || !(code in EXPLAINED)) return undefined;
  let where = 'the database';
  try {
    if (url) {
      const u = new URL(url);
      where = `the database at ${u.hostname}:${u.port || 5432}${u.pathname}`;
    }
  } catch {
    // an unparsable URL was refused by the configuration already; keep the generic wording
  }
  return `Cannot connect to ${where} (${EXPLAINED[code]}). Check DATABASE_URL, or unset it to use the embedded database.`;
}

/** Codes that say the database cannot be reached right now (network, shutdown, crash recovery, too many clients). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
]);
/** What pg and pg-pool say, without a code, when a connection is lost or cannot be had in time. */
const UNAVAILABLE_MESSAGE =
  /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error and is not queryable/i;

/** Codes of a transaction that lost a race or waited too long: the same request may well succeed a moment later. */
const BUSY_CODES = new Set([
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '25P03', // idle_in_transaction_session_timeout
]);

/** The error itself and what it wraps (TypeORM's QueryFailedError keeps the driver's error as driverError). */
function* causes(err: unknown): Generator<{ code?: unknown; message?: unknown }> {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    yield e;
    current = e.driverError ?? e.cause;
  }
}

/** True when the database could not be reached or the connection was lost: answer 503 and retry later. */
export function isDatabaseUnavailableError(err: unknown): boolean {
  for (const e of causes(err)) {
    if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/** True for a lock, statement or serialization timeout/conflict: retryable, and not the caller's fault. */
export function isDatabaseBusyError(err: unknown): boolean {
  for (const e of causes(err)) {
    if (typeof e.code === 'string' && BUSY_CODES.has(e.code)) return true;
  }
  return false;
}
