import type { ErrorBody, LoginResponse, TokenPair, UserDto } from '@herald/contracts';
import { Store } from './store';

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

const REFRESH_KEY = 'herald.refreshToken';

/**
 * Who is signed in, and authenticated HTTP.
 *
 * Trade-off: the access token lives only in memory (never readable from storage by injected
 * scripts, gone on reload); the refresh token sits in sessionStorage so a reload in the same tab
 * stays signed in, and it disappears when the tab closes. sessionStorage is readable by script on
 * this origin, so an XSS could steal it: rotation with reuse detection limits the damage, and an
 * httpOnly cookie would be stronger but the API issues bearer tokens, not cookies.
 */
export class Session {
  readonly user = new Store<SessionUser | null>(null);
  private accessToken: string | null = null;
  private refreshing: Promise<string> | null = null;

  get token(): string | null {
    return this.accessToken;
  }

  async login(username: string, password: string): Promise<SessionUser> {
    const res = await this.fetchJson<LoginResponse>('POST', '/api/auth/login', { username, password });
    this.accept(res);
    this.user.set(res.user);
    return res.user;
  }

  /** After a reload: trade the stored refresh token for a new pair. False when there is none or it was spent. */
  async restore(): Promise<boolean> {
    if (!readRefreshToken()) return false;
    try {
      await this.refresh();
      const me = await this.request<UserDto>('GET', '/api/auth/me');
      this.user.set({ id: me.id, username: me.username, displayName: me.displayName, roles: me.roles });
      return true;
    } catch (err) {
      if (err instanceof ApiError) this.forget();
      return false;
    }
  }

  /** One refresh at a time: two parallel refreshes would spend the same token and revoke the session. */
  refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        const refreshToken = readRefreshToken();
        if (!refreshToken) throw new ApiError(401, { statusCode: 401, error: 'Unauthorized', message: 'Your session has ended; please sign in again.' });
        const pair = await this.fetchJson<TokenPair>('POST', '/api/auth/refresh', { refreshToken });
        this.accept(pair);
        return pair.accessToken;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) this.forget();
        throw err;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** For the socket client: the current token, refreshed first when there is none. */
  async getToken(): Promise<string> {
    return this.accessToken ?? this.refresh();
  }

  async logout(): Promise<void> {
    try {
      if (this.accessToken) await this.fetchJson('POST', '/api/auth/logout', undefined, this.accessToken);
    } catch {
      // Signing out locally must work even when the server is unreachable.
    } finally {
      this.forget();
    }
  }

  /** Authenticated JSON request; an expired access token is refreshed once and the call retried. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.getToken();
    try {
      return await this.fetchJson<T>(method, path, body, token);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401 || !readRefreshToken()) throw err;
      return this.fetchJson<T>(method, path, body, await this.refresh());
    }
  }

  private accept(pair: TokenPair): void {
    this.accessToken = pair.accessToken;
    try {
      sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
    } catch {
      // Storage disabled: the session simply will not survive a reload.
    }
  }

  private forget(): void {
    this.accessToken = null;
    try {
      sessionStorage.removeItem(REFRESH_KEY);
    } catch {
      // Nothing stored, nothing to remove.
    }
    this.user.set(null);
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

function readRefreshToken(): string | null {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
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
