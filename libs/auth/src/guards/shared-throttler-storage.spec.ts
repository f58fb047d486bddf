import { LocalWindowCounters } from './shared-throttler-storage';

/** The in-process counters must say what the Redis script says: one fixed window per key, then a block. */
describe('LocalWindowCounters', () => {
  let now = 1_000_000;
  const counters = () => new LocalWindowCounters(() => now);

  it('counts hits in a fixed window and blocks past the limit for the block duration', async () => {
    const c = counters();
    for (let i = 1; i <= 3; i++) expect(await c.increment('k', 1000, 3, 5000, 'push')).toEqual({ totalHits: i, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 });
    expect(await c.increment('k', 1000, 3, 5000, 'push')).toEqual({ totalHits: 4, timeToExpire: 1, isBlocked: true, timeToBlockExpire: 5 });
    // A new window starts after ttl, but the block holds until it ends.
    now += 1500;
    expect(await c.increment('k', 1000, 3, 5000, 'push')).toMatchObject({ totalHits: 1, isBlocked: true, timeToBlockExpire: 4 });
    now += 3500;
    expect(await c.increment('k', 1000, 3, 5000, 'push')).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('keeps keys and throttlers apart', async () => {
    const c = counters();
    await c.increment('a', 60_000, 1, 60_000, 'login');
    expect(await c.increment('a', 60_000, 1, 60_000, 'login')).toMatchObject({ isBlocked: true });
    expect(await c.increment('b', 60_000, 1, 60_000, 'login')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await c.increment('a', 60_000, 1, 60_000, 'refresh')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('does not scan past hits: a limit of 200,000 counts the last hit as it counts the first', async () => {
    const c = counters();
    let last;
    for (let i = 0; i < 200_000; i++) last = await c.increment('busy', 1000, 200_000, 1000, 'push');
    expect(last).toMatchObject({ totalHits: 200_000, isBlocked: false });
    expect(await c.increment('busy', 1000, 200_000, 1000, 'push')).toMatchObject({ isBlocked: true });
  });

  it('forgets keys whose window and block are over, so memory follows the keys of the last window', async () => {
    const c = counters();
    for (let i = 0; i < 5000; i++) await c.increment(`ip-${i}`, 1000, 10, 1000, 'login');
    expect(c.size).toBe(5000);
    now += 20_000;
    await c.increment('fresh', 1000, 10, 1000, 'login');
    expect(c.size).toBe(1);
  });
});
