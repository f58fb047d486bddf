/**
 * What the tabs of one browser share about its session: the tokens in localStorage, one refresh at
 * a time across tabs (Web Locks), and sign-in/sign-out news on a BroadcastChannel.
 */

/** The browser's session: one login (one server-side session, `sid`) shared by all its tabs. */
export interface StoredSession {
  userId: string;
  refreshToken: string;
  /** The newest access token any tab got; '' when none. */
  accessToken: string;
}

/** Why this tab is no longer signed in, as the login page explains it. */
export type EndReason =
  /** This tab signed out (this device). */
  | 'signed_out'
  /** This tab signed out everywhere. */
  | 'signed_out_everywhere'
  /** Another tab of this browser signed out (or the server closed this device's session). */
  | 'other_tab'
  /** Every session of the user was ended: sign-out everywhere on some device, or a password change. */
  | 'everywhere'
  /** The session ended or expired without anyone here signing out (refresh refused). */
  | 'expired'
  | 'disabled';

export type TabMessage = { type: 'signed_in'; userId: string } | { type: 'signed_out'; reason: EndReason };

const KEY = 'herald.session';
/** Where the refresh token lived when each tab had its own session (read once, then moved). */
const LEGACY_KEY = 'herald.refreshToken';
const LOCK = 'herald.session.refresh';
/** Another tab's access token is taken up when it has at least this long to live (the live connection renews a minute early). */
const ADOPT_MIN_MS = 60_000;

export function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) {
      const value = JSON.parse(raw) as Partial<StoredSession>;
      if (typeof value.refreshToken === 'string' && value.refreshToken) {
        return {
          userId: typeof value.userId === 'string' ? value.userId : '',
          refreshToken: value.refreshToken,
          accessToken: typeof value.accessToken === 'string' ? value.accessToken : '',
        };
      }
    }
    const legacy = sessionStorage.getItem(LEGACY_KEY);
    if (legacy) return { userId: '', refreshToken: legacy, accessToken: '' };
  } catch {
    // Storage disabled or garbled: no shared session.
  }
  return null;
}

export function writeStored(value: StoredSession): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(value));
    sessionStorage.removeItem(LEGACY_KEY);
  } catch {
    // Storage disabled: this tab stays signed in on its own, until it closes.
  }
}

export function clearStored(): void {
  try {
    localStorage.removeItem(KEY);
    sessionStorage.removeItem(LEGACY_KEY);
  } catch {
    // Nothing stored, nothing to remove.
  }
}

let localChain: Promise<unknown> = Promise.resolve();

/**
 * Runs `fn` while no other tab of this browser runs its own: two tabs must not spend one refresh
 * token at once. Without Web Locks (old browsers) only this tab is serialised, and the server's
 * 409 `refresh_token_raced` covers the rest.
 */
export function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks?.request) return locks.request(LOCK, { mode: 'exclusive' }, fn) as Promise<T>;
  const run = localChain.then(fn, fn);
  localChain = run.catch(() => undefined);
  return run;
}

function claims(token: string): { exp: number; iat: number } {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; iat?: unknown };
    return { exp: typeof payload.exp === 'number' ? payload.exp * 1000 : 0, iat: typeof payload.iat === 'number' ? payload.iat * 1000 : 0 };
  } catch {
    return { exp: 0, iat: 0 };
  }
}

/** Expiry (epoch ms) read from a JWT's `exp`, or 0. */
export function tokenExpiry(token: string): number {
  return claims(token).exp;
}

/** A token good enough to take up instead of refreshing: more than a minute left (or half its life, for short-lived ones). */
export function freshEnough(token: string, now = Date.now()): boolean {
  const { exp, iat } = claims(token);
  const lifetime = exp > iat && iat > 0 ? exp - iat : ADOPT_MIN_MS * 2;
  return exp - now > Math.min(ADOPT_MIN_MS, lifetime / 2);
}

/** Sign-in and sign-out news between the tabs of this browser. */
export class TabChannel {
  private readonly channel: BroadcastChannel | null;

  constructor(onMessage: (message: TabMessage) => void) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('herald.session') : null;
    if (this.channel) this.channel.onmessage = (e: MessageEvent<TabMessage>) => onMessage(e.data);
  }

  post(message: TabMessage): void {
    this.channel?.postMessage(message);
  }
}
