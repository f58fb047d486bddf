import { ADVISORY_LOCKS } from './advisory-locks';

describe('advisory-lock registry', () => {
  it('gives every lock its own key', () => {
    const keys = Object.values(ADVISORY_LOCKS);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('uses keys that fit a PostgreSQL bigint and are safe JavaScript integers', () => {
    for (const key of Object.values(ADVISORY_LOCKS)) {
      expect(Number.isSafeInteger(key)).toBe(true);
      expect(key).toBeGreaterThan(0);
    }
  });

  it('keeps the last-admin lock apart from the notification writer lock', () => {
    expect(ADVISORY_LOCKS.lastAdmin).not.toBe(ADVISORY_LOCKS.notificationWriter);
  });
});
