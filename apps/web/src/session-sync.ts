/**
 * What the tabs of one browser share about its session: the tokens (IndexedDB), one refresh at a
 * time across tabs (Web Locks), and sign-in/sign-out news on a BroadcastChannel.
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

/** Where the tokens are kept when IndexedDB is unavailable. */
const KEY = 'herald.session';
/** Where the refresh token lived when each tab had its own session (read once, then moved). */
const LEGACY_KEY = 'herald.refreshToken';
const LOCK = 'herald.session.refresh';
/** Another tab's access token is taken up when it has at least this long to live (the live connection renews a minute early). */
const ADOPT_MIN_MS = 60_000;

/*
 * The tokens live in IndexedDB: its transactions go through the browser process, so a tab that takes
 * the refresh lock reads what the previous holder wrote. localStorage is cached per renderer process
 * and reaches other tabs a moment later: a tab could take the lock and still read a spent token.
 * localStorage stands in only where IndexedDB cannot be opened.
 */
const DB_NAME = 'herald';
const DB_STORE = 'session';
const DB_KEY = 'current';
let database: Promise<IDBDatabase | null> | null = null;

function openDatabase(): Promise<IDBDatabase | null> {
  database ??= new Promise((resolve) => {
    try {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(DB_STORE);
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the page upgrading the database: let it.
        db.onversionchange = () => db.close();
        resolve(db);
      };
      request.onerror = () => resolve(null);
      request.onblocked = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
  return database;
}

function inStore<T>(db: IDBDatabase, mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(DB_STORE, mode);
    const request = act(tx.objectStore(DB_STORE));
    // Resolved when the transaction commits, so a write is visible to every tab before the lock is released.
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function parse(value: unknown): StoredSession | null {
  const v = (value ?? {}) as Partial<StoredSession>;
  if (typeof v.refreshToken !== 'string' || !v.refreshToken) return null;
  return {
    userId: typeof v.userId === 'string' ? v.userId : '',
    refreshToken: v.refreshToken,
    accessToken: typeof v.accessToken === 'string' ? v.accessToken : '',
  };
}

function readFallback(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) return parse(JSON.parse(raw));
    const legacy = sessionStorage.getItem(LEGACY_KEY);
    if (legacy) return { userId: '', refreshToken: legacy, accessToken: '' };
  } catch {
    // Storage disabled or garbled: no shared session.
  }
  return null;
}

function clearFallback(): void {
  try {
    localStorage.removeItem(KEY);
    sessionStorage.removeItem(LEGACY_KEY);
  } catch {
    // Nothing stored, nothing to remove.
  }
}

export async function readStored(): Promise<StoredSession | null> {
  const db = await openDatabase();
  if (db) {
    try {
      const value = parse(await inStore(db, 'readonly', (store) => store.get(DB_KEY)));
      if (value) return value;
    } catch {
      // Unreadable: fall through to what the older page kept.
    }
  }
  return readFallback();
}

export async function writeStored(value: StoredSession): Promise<void> {
  const db = await openDatabase();
  if (db) {
    try {
      await inStore(db, 'readwrite', (store) => store.put(value, DB_KEY));
      clearFallback();
      return;
    } catch {
      // Fall back to localStorage below.
    }
  }
  try {
    localStorage.setItem(KEY, JSON.stringify(value));
    sessionStorage.removeItem(LEGACY_KEY);
  } catch {
    // No storage at all: this tab stays signed in on its own, until it closes.
  }
}

export async function clearStored(): Promise<void> {
  clearFallback();
  const db = await openDatabase();
  if (!db) return;
  try {
    await inStore(db, 'readwrite', (store) => store.delete(DB_KEY));
  } catch {
    // Nothing to delete.
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
