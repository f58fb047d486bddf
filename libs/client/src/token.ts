/** Reads `exp` (seconds since the epoch) from a JWT without verifying it; null when absent or unreadable. */
export function readTokenExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const json = decodeBase64Url(parts[1]);
    const payload: unknown = JSON.parse(json);
    if (payload && typeof payload === 'object' && 'exp' in payload) {
      const exp = (payload as { exp: unknown }).exp;
      return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
    }
    return null;
  } catch {
    return null;
  }
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
 * early; 0 when that moment has passed; null when there is no expiry to plan for.
 */
export function refreshDelay(expSeconds: number | null, nowMs: number, leadMs: number): number | null {
  if (expSeconds === null) return null;
  const delay = expSeconds * 1000 - leadMs - nowMs;
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
    const delay = refreshDelay(readTokenExpiry(token), this.now(), this.leadMs);
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
