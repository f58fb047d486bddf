import { REFRESH_RACE_GRACE_SECONDS, type ErrorBody, type LoginResponse, type SessionCloseReason, type TokenPair, type UserDto } from '@herald/contracts';
import { clearStored, freshEnough, readStored, TabChannel, tokenExpiry, withRefreshLock, writeStored, type EndReason, type TabMessage } from './session-sync';
import { Store } from './store';

export type { EndReason } from './session-sync';

export type SessionUser = LoginResponse['user'];

/** An HTTP answer other than 2xx, carrying the server's sentence for the person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(body?.message ?? `The server answered ${status}.`);
    this.name = 'ApiError';
  }
}

/** Network failure: the server could not be reached at all. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The server cannot be reached. Check your connection; your work is kept.');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

/**
 * Who is signed in, and authenticated HTTP. One browser is one session (one device to the server):
 * every tab of it is signed in, and signs out together.
 *
 * Trade-off: the refresh token and the latest access token sit in the browser's storage (IndexedDB,
 * see session-sync.ts), so a new tab (or one opened from a toast link) is signed in at once, and tabs refresh one at a time under a Web Lock
 * (another tab's fresh access token is adopted instead of spending the refresh token again). The
 * server adds a safety net: the same token presented twice within a few seconds answers 409
 * `refresh_token_raced` and revokes nothing. That storage is readable by script on this origin, so an
 * XSS could steal the refresh token (as it could from sessionStorage before) and it now outlives the
 * tab: rotation with reuse detection limits the damage, and "Sign out everywhere" ends every session.
 * An httpOnly SameSite=Strict cookie would keep the token out of script's reach, but the API issues
 * bearer tokens, and a cookie would bring CSRF handling and a second way to authenticate; a
 * BroadcastChannel hand-over alone would lose the session when the last tab closes.
 * Sign-out news travels between tabs on a BroadcastChannel, and from the server as `session:closed`.
 */
export class Session {
  readonly user = new Store<SessionUser | null>(null);
  /** Why the last session here ended; the login page says it. */
  readonly ended = new Store<EndReason | null>(null);
  private accessToken: string | null = null;
  private refreshing: Promise<string> | null = null;
  private readonly tabs: TabChannel | null;

  constructor() {
    this.tabs = typeof window === 'undefined' ? null : new TabChannel((m) => this.fromOtherTab(m));
  }

  get token(): string | null {
    return this.accessToken;
  }

  async login(username: string, password: string): Promise<SessionUser> {
    const res = await this.fetchJson<LoginResponse>('POST', '/api/auth/login', { username, password });
    await this.accept(res, res.user.id);
    this.ended.set(null);
    this.user.set(res.user);
    this.tabs?.post({ type: 'signed_in', userId: res.user.id });
    return res.user;
  }

  /** On page load: take up the browser's session (another tab's fresh access token, or a refresh). False when there is none. */
  async restore(): Promise<boolean> {
    const stored = await readStored();
    if (!stored) return false;
    try {
      if (stored.accessToken && freshEnough(stored.accessToken)) this.accessToken = stored.accessToken;
      else await this.refresh();
      const me = await this.request<UserDto>('GET', '/api/auth/me');
      this.ended.set(null);
      this.user.set({ id: me.id, username: me.username, displayName: me.displayName, roles: me.roles });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) void this.end('expired', true);
      return false;
    }
  }

  /**
   * A newer access token. One refresh at a time in this tab and across the browser's tabs: inside the
   * lock, a token another tab got meanwhile is adopted, so the refresh token is spent once.
   */
  refresh(): Promise<string> {
    const stale = this.accessToken;
    this.refreshing ??= withRefreshLock(() => this.refreshLocked(stale)).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** For the socket client: the current token, refreshed first when there is none. */
  async getToken(): Promise<string> {
    return this.accessToken ?? this.refresh();
  }

  /** Signs this browser out (every tab of it); the user's other devices stay signed in. */
  logout(): Promise<void> {
    return this.signOut('/api/auth/logout', 'signed_out');
  }

  /** Signs out every session of the user: all devices, all tabs. */
  logoutEverywhere(): Promise<void> {
    return this.signOut('/api/auth/logout-all', 'signed_out_everywhere');
  }

  /** The server closed this tab's live connection for good (`session:closed`): follow it here and in the other tabs. */
  serverEnded(reason: SessionCloseReason): void {
    if (!this.user.get()) return;
    if (reason === 'signed_out') void this.end('other_tab', true);
    else if (reason === 'session_revoked') void this.end('everywhere', true);
    else if (reason === 'user_disabled') void this.end('disabled', true);
  }

  /** Authenticated JSON request; an expired access token is refreshed once and the call retried. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.getToken();
    try {
      return await this.fetchJson<T>(method, path, body, token);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      return this.fetchJson<T>(method, path, body, await this.refresh());
    }
  }

  private async refreshLocked(stale: string | null, retried = false): Promise<string> {
    const stored = await readStored();
    if (!stored) {
      void this.end('expired', false);
      throw new ApiError(401, { statusCode: 401, error: 'Unauthorized', message: 'Your session has ended; please sign in again.' });
    }
    // Another tab refreshed while this one waited for the lock: use its token, spend nothing.
    if (stored.accessToken && stored.accessToken !== stale && freshEnough(stored.accessToken)) {
      this.accessToken = stored.accessToken;
      return stored.accessToken;
    }
    try {
      const pair = await this.fetchJson<TokenPair>('POST', '/api/auth/refresh', { refreshToken: stored.refreshToken });
      await this.accept(pair, stored.userId);
      return pair.accessToken;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && !retried) {
        // Spent by another tab that was not serialised with this one (no Web Locks): take up what it stored.
        // If nobody here spent it, someone else did: try again after the grace, which the server then treats as reuse.
        if ((await readStored())?.refreshToken === stored.refreshToken) await new Promise((r) => setTimeout(r, (REFRESH_RACE_GRACE_SECONDS + 1) * 1000));
        return this.refreshLocked(stale, true);
      }
      if (err instanceof ApiError && err.status === 401) void this.end('expired', true);
      throw err;
    }
  }

  private async signOut(path: string, reason: EndReason): Promise<void> {
    let token: string | null = null;
    try {
      // An expired token would be refused and leave the server's session alive: refresh it first.
      token = this.accessToken && tokenExpiry(this.accessToken) > Date.now() + 5_000 ? this.accessToken : await this.refresh();
    } catch {
      // No valid token: the session is over already.
    }
    // Here and in the other tabs at once; the server call follows and closes this device's sockets (or every device's).
    await this.end(reason, true);
    try {
      if (token) await this.fetchJson('POST', path, undefined, token);
    } catch {
      // Signing out locally must work even when the server is unreachable.
    }
  }

  private fromOtherTab(message: TabMessage): void {
    if (message.type === 'signed_out') {
      if (!this.user.get() && !this.accessToken) return;
      const reason: EndReason = message.reason === 'signed_out' ? 'other_tab' : message.reason === 'signed_out_everywhere' ? 'everywhere' : message.reason;
      void this.end(reason, false);
    } else if (message.userId !== this.user.get()?.id) {
      // Signed in elsewhere in this browser (as anyone): this tab follows.
      this.accessToken = null;
      void this.restore();
    }
  }

  /** Ends the session in this tab at once; `broadcast` clears the shared tokens, then tells the other tabs. */
  private async end(reason: EndReason, broadcast: boolean): Promise<void> {
    const wasSignedIn = this.user.get() !== null || this.accessToken !== null;
    this.accessToken = null;
    this.ended.set(reason);
    this.user.set(null);
    if (!broadcast) return;
    await clearStored();
    if (wasSignedIn) this.tabs?.post({ type: 'signed_out', reason });
  }

  private async accept(pair: TokenPair, userId: string): Promise<void> {
    this.accessToken = pair.accessToken;
    await writeStored({ userId, refreshToken: pair.refreshToken, accessToken: pair.accessToken });
  }

  private async fetchJson<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new NetworkError(err);
    }
    const text = await res.text();
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, isErrorBody(parsed) ? parsed : null);
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return !!value && typeof value === 'object' && typeof (value as ErrorBody).message === 'string';
}

export const session = new Session();
