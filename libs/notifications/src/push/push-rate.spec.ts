import { PushRate, type SharedAdd } from './push-rate';

/** Two instances' counters sharing one fake Redis (a Map of window totals), on a fake clock. */
function cluster(limit: number) {
  let now = 10_000_000; // the start of a second
  const totals = new Map<string, number>();
  let down = false;
  const add: SharedAdd = async (key, hits) => {
    if (down) throw new Error('Redis is not connected');
    const total = (totals.get(key) ?? 0) + hits;
    totals.set(key, total);
    return total;
  };
  const config = { PUSH_RATE_PER_SECOND: limit, REDIS_PREFIX: 'test' };
  const make = () => new PushRate(config, undefined, { now: () => now, add });
  return { a: make(), b: make(), tick: (ms: number) => (now += ms), setDown: (d: boolean) => (down = d), totals };
}

describe('PushRate', () => {
  it('limits a key on its own instance within a window, with Retry-After until the window ends', () => {
    const { a, tick } = cluster(3);
    expect([1, 2, 3, 4].map(() => a.take('k').allowed)).toEqual([true, true, true, false]);
    tick(400);
    expect(a.take('k')).toEqual({ allowed: false, retryAfter: 1 });
    expect(a.take('other').allowed).toBe(true);
    tick(600); // the next second
    expect(a.take('k').allowed).toBe(true);
  });

  it('shares the count through Redis at each sync: two instances together stay at the limit', async () => {
    const { a, b } = cluster(10);
    for (let i = 0; i < 5; i++) expect(a.take('k').allowed).toBe(true);
    await a.sync();
    for (let i = 0; i < 5; i++) expect(b.take('k').allowed).toBe(true);
    await b.sync(); // B now knows the total is 10
    expect(b.take('k').allowed).toBe(false);
    await a.sync(); // A learns it at its next sync that adds something; until then it counts what it knew
    expect(a.take('k').allowed).toBe(true); // 5 + 1 known to A: the overshoot the sync interval allows
    await a.sync();
    expect(a.take('k').allowed).toBe(false);
  });

  it('counts alone while Redis fails, and shares the held counts once it is back', async () => {
    const { a, b, setDown, totals } = cluster(4);
    setDown(true);
    for (let i = 0; i < 4; i++) expect(a.take('k').allowed).toBe(true);
    await a.sync();
    expect(a.take('k').allowed).toBe(false); // still limited locally
    setDown(false);
    await a.sync();
    expect([...totals.values()]).toEqual([4]);
    await b.sync();
    b.take('k'); // B has taken one before it heard
    await b.sync();
    expect(b.take('k').allowed).toBe(false);
  });

  it('forgets windows that are over', async () => {
    const { a, tick } = cluster(2);
    a.take('k1');
    a.take('k2');
    tick(1500);
    await a.sync();
    expect(a.take('k1').allowed).toBe(true);
    expect(a.take('k1').allowed).toBe(true);
    expect(a.take('k1').allowed).toBe(false);
  });
});
