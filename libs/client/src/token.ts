interface TokenTimes {
  exp: number | null;
  iat: number | null;
}

/** Reads `exp` and `iat` (seconds since the epoch) from a JWT without verifying it; nulls when absent or unreadable. */
export function readTokenTimes(token: string): TokenTimes {
  const parts = token.split('.');
  if (parts.length !== 3) return { exp: null, iat: null };
  try {
    const payload: unknown = JSON.parse(decodeBase64Url(parts[1]));
    const read = (key: 'exp' | 'iat') => {
      const value = payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[key] : undefined;
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    };
    return { exp: read('exp'), iat: read('iat') };
  } catch {
    return { exp: null, iat: null };
  }
}

/** Reads `exp` from a JWT without verifying it; null when absent or unreadable. */
export function readTokenExpiry(token: string): number | null {
  return readTokenTimes(token).exp;
}

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=');
  // atob and TextDecoder exist in browsers and in Node 16+, so no Buffer (keeps the library browser-safe).
  const binary = atob(base64);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** setTimeout cannot wait longer than this (about 24.8 days); longer delays fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds to wait before refreshing a token that expires at `expSeconds`, refreshing `leadMs`
 * early; 0 when that moment has passed; null when there is no expiry to plan for. With `iatSeconds`
 * the lead is at most half the token's lifetime, so short-lived tokens do not refresh in a tight loop.
 */
export function refreshDelay(expSeconds: number | null, nowMs: number, leadMs: number, iatSeconds: number | null = null): number | null {
  if (expSeconds === null) return null;
  const lead = iatSeconds !== null && expSeconds > iatSeconds ? Math.min(leadMs, ((expSeconds - iatSeconds) * 1000) / 2) : leadMs;
  const delay = expSeconds * 1000 - lead - nowMs;
  return Math.min(Math.max(0, delay), MAX_TIMER_MS);
}

/** Runs `task` once, `leadMs` before the token expires; a new `schedule()` replaces the previous plan. */
export class RefreshScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly leadMs: number,
    private readonly task: () => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Plans the refresh for `token`; returns the delay in ms, or null when the token has no expiry. */
  schedule(token: string): number | null {
    this.cancel();
    const { exp, iat } = readTokenTimes(token);
    const delay = refreshDelay(exp, this.now(), this.leadMs, iat);
    if (delay === null) return null;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.task();
    }, delay);
    return delay;
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }
}
