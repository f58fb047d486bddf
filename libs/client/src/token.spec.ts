import { readTokenExpiry, refreshDelay, RefreshScheduler } from './token';

function jwt(payload: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.signature`;
}

describe('token expiry', () => {
  it('reads exp from a JWT without verifying it, and null from anything else', () => {
    expect(readTokenExpiry(jwt({ sub: '1', exp: 1_900_000_000, name: 'Zhāng 张' }))).toBe(1_900_000_000);
    expect(readTokenExpiry(jwt({ sub: '1' }))).toBeNull();
    expect(readTokenExpiry('not.a.jwt')).toBeNull();
    expect(readTokenExpiry('opaque')).toBeNull();
  });

  it('plans the refresh a lead time before expiry, at once when late', () => {
    expect(refreshDelay(1000, 500_000, 60_000)).toBe(440_000);
    expect(refreshDelay(1000, 990_000, 60_000)).toBe(0);
    expect(refreshDelay(null, 0, 60_000)).toBeNull();
    expect(refreshDelay(10 ** 12, 0, 0)).toBe(2 ** 31 - 1);
  });

  it('refreshes a token that lives less than the lead half-way through its life, not in a loop', () => {
    // Issued at 100 s, expires at 103 s, lead 60 s: refresh at 101.5 s.
    expect(refreshDelay(103, 100_000, 60_000, 100)).toBe(1_500);
    expect(refreshDelay(1000, 100_000, 60_000, 100)).toBe(840_000);
  });

  describe('RefreshScheduler', () => {
    beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
    afterEach(() => jest.useRealTimers());

    it('refreshes 60 s before a 15-minute token expires, and only the latest plan runs', () => {
      const task = jest.fn();
      const scheduler = new RefreshScheduler(60_000, task);
      const exp = Math.floor(Date.now() / 1000) + 900;
      expect(scheduler.schedule(jwt({ exp: exp - 300 }))).toBe(540_000);
      expect(scheduler.schedule(jwt({ exp }))).toBe(840_000);
      jest.advanceTimersByTime(839_999);
      expect(task).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(task).toHaveBeenCalledTimes(1);
      jest.advanceTimersByTime(10_000_000);
      expect(task).toHaveBeenCalledTimes(1);
    });

    it('does nothing after cancel()', () => {
      const task = jest.fn();
      const scheduler = new RefreshScheduler(60_000, task);
      scheduler.schedule(jwt({ exp: Math.floor(Date.now() / 1000) + 120 }));
      expect(scheduler.pending).toBe(true);
      scheduler.cancel();
      jest.advanceTimersByTime(200_000);
      expect(task).not.toHaveBeenCalled();
    });
  });
});
