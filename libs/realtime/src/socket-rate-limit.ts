/**
 * A token bucket per socket for client events: `burst` at once, then `perSecond`. Explicit and
 * small, because clients only ever send a few commands (read, refresh, decide).
 */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export const SOCKET_EVENT_BURST = 30;
export const SOCKET_EVENTS_PER_SECOND = 10;
/** A socket that keeps exceeding its rate after this many refusals is disconnected. */
export const MAX_RATE_VIOLATIONS = 50;
/** A socket that sends this many events that are not commands is closed: it is not a Herald client. */
export const MAX_UNKNOWN_EVENTS = 20;
