import { MemoryCursorStorage, WebStorageCursorStorage, type KeyValueStore } from './storage';

class MapStore implements KeyValueStore {
  readonly map = new Map<string, string>();
  failWrites = false;
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

describe('cursor storage', () => {
  it('keeps the cursor in memory by default', () => {
    const storage = new MemoryCursorStorage();
    expect(storage.get()).toBeNull();
    storage.set('42');
    expect(storage.get()).toBe('42');
    storage.clear();
    expect(storage.get()).toBeNull();
  });

  it('persists the cursor in web storage under its key, one key per user', () => {
    const store = new MapStore();
    new WebStorageCursorStorage('herald:cursor:1', store).set('17');
    expect(new WebStorageCursorStorage('herald:cursor:1', store).get()).toBe('17');
    expect(new WebStorageCursorStorage('herald:cursor:2', store).get()).toBeNull();
  });

  it('ignores a tampered value and keeps working in memory when storage refuses writes', () => {
    const store = new MapStore();
    store.map.set('k', 'drop table');
    const storage = new WebStorageCursorStorage('k', store);
    expect(storage.get()).toBeNull();
    store.failWrites = true;
    storage.set('9');
    expect(storage.get()).toBe('9');
  });
});
