/**
 * Where the client keeps the id of the last notification it saw, so a reconnect (or a reload, with
 * a persistent storage) asks the server for exactly what was missed. Scope it per user: a cursor of
 * one user given to another would hide that user's older notifications.
 */
export interface CursorStorage {
  get(): string | null;
  set(id: string): void;
  clear(): void;
}

export class MemoryCursorStorage implements CursorStorage {
  private value: string | null;

  constructor(initial: string | null = null) {
    this.value = initial;
  }

  get(): string | null {
    return this.value;
  }

  set(id: string): void {
    this.value = id;
  }

  clear(): void {
    this.value = null;
  }
}

/** The subset of the Web Storage API used here, so tests (and Node) can pass their own. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Keeps the cursor in `localStorage` (or any Web Storage) under `key`; survives reloads. */
export class WebStorageCursorStorage implements CursorStorage {
  private readonly fallback = new MemoryCursorStorage();

  constructor(
    private readonly key: string,
    private readonly store: KeyValueStore | undefined = (globalThis as { localStorage?: KeyValueStore }).localStorage,
  ) {}

  get(): string | null {
    try {
      const value = this.store?.getItem(this.key) ?? null;
      return value !== null && /^\d+$/.test(value) ? value : this.fallback.get();
    } catch {
      // Storage can be disabled (privacy mode, quota): memory keeps the session working.
      return this.fallback.get();
    }
  }

  set(id: string): void {
    this.fallback.set(id);
    try {
      this.store?.setItem(this.key, id);
    } catch {
      // Quota or privacy mode: the in-memory copy above still serves this page's reconnects.
    }
  }

  clear(): void {
    this.fallback.clear();
    try {
      this.store?.removeItem(this.key);
    } catch {
      // Nothing to do: the in-memory copy is cleared.
    }
  }
}
