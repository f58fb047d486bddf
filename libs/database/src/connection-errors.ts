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
