import { RETRY_POLICIES, retryDelay } from './retry';

describe('retryDelay', () => {
  it('retries a token refusal at once, then backs off', () => {
    expect(retryDelay(RETRY_POLICIES.token, 0, 0.5)).toBe(0);
    expect(retryDelay(RETRY_POLICIES.token, 1, 0.5)).toBe(1_000);
    expect(retryDelay(RETRY_POLICIES.token, 2, 0.5)).toBe(2_000);
  });

  it('never retries an unavailable server at once, doubles, jitters and caps', () => {
    const first = [0, 0.5, 0.999].map((r) => retryDelay(RETRY_POLICIES.unavailable, 0, r));
    expect(Math.min(...first)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...first)).toBeLessThanOrEqual(1_200);
    expect(retryDelay(RETRY_POLICIES.unavailable, 3, 0.5)).toBe(8_000);
    expect(retryDelay(RETRY_POLICIES.unavailable, 50, 0.999)).toBeLessThanOrEqual(36_000);
    expect(retryDelay(RETRY_POLICIES.unavailable, 1e6, 0)).toBe(24_000);
  });

  it('asks rarely when the user has too many readers', () => {
    expect(retryDelay(RETRY_POLICIES.tooManyReaders, 0, 0)).toBeGreaterThanOrEqual(24_000);
    expect(retryDelay(RETRY_POLICIES.tooManyReaders, 10, 0.5)).toBe(300_000);
  });
});
