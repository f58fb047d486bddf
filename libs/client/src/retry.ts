/** How one kind of refusal is retried: a first delay, doubling up to a cap, each with ±20% jitter. */
export interface RetryPolicy {
  /** Try the first time at once (a fresh token may be all that was missing). */
  immediateFirst: boolean;
  baseMs: number;
  capMs: number;
}

export const RETRY_POLICIES = {
  /** `token_expired`, a server-side disconnect, or a token provider that failed: once at once with a fresh token, then back off. */
  token: { immediateFirst: true, baseMs: 1_000, capMs: 30_000 },
  /** The server could not decide (`unavailable`) or dropped the reader (`slow_reader`, `server_shutdown`): it may pass in a second. */
  unavailable: { immediateFirst: false, baseMs: 1_000, capMs: 30_000 },
  /** The user has too many live readers: a slot frees only when another tab or device closes, so ask rarely. */
  tooManyReaders: { immediateFirst: false, baseMs: 30_000, capMs: 300_000 },
} satisfies Record<string, RetryPolicy>;

/** The delay before retry number `attempt` (0-based); `random` in [0, 1) spreads clients that failed together. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: number = Math.random()): number {
  if (policy.immediateFirst && attempt === 0) return 0;
  const step = policy.immediateFirst ? attempt - 1 : attempt;
  // Past 2^20 the cap has long been reached; the bound keeps 2 ** step finite.
  const base = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(step, 20));
  return Math.round(base * (0.8 + 0.4 * random));
}
