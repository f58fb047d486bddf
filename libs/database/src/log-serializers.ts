/**
 * What of an error may reach a log line. TypeORM's QueryFailedError carries the query's `parameters`
 * (password hashes, tokens, customer data) and PostgreSQL's `detail` repeats row values ("Failing row
 * contains …", "Key (username)=(…)"): both are dropped. The SQLSTATE code, the message and where it
 * came from are kept.
 */
const KEPT = ['message', 'stack', 'code', 'severity', 'routine', 'constraint', 'table', 'column', 'schema', 'query', 'errno', 'syscall', 'address', 'port', 'status', 'statusCode'] as const;

export type SafeError = { type: string } & Partial<Record<(typeof KEPT)[number], unknown>> & { cause?: SafeError | string };

export function safeError(err: unknown, depth = 0): SafeError | unknown {
  if (!err || typeof err !== 'object') return err;
  const source = err as Record<string, unknown>;
  const type = typeof source.type === 'string' && !(err instanceof Error) ? source.type : (err.constructor?.name ?? 'Object');
  const out: SafeError = { type };
  for (const key of KEPT) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  // The driver's own error says the same minus the query; its cause may be the real reason (a socket error).
  const inner = source.cause ?? (source.driverError as { cause?: unknown } | undefined)?.cause;
  if (inner !== undefined && depth < 3) out.cause = safeError(inner, depth + 1) as SafeError;
  return out;
}
