import { formatCents, parseCents } from './money';

describe('money', () => {
  it('parses numbers and strings with up to two decimals exactly', () => {
    expect(parseCents('19.9')).toBe(1990n);
    expect(parseCents(19.9)).toBe(1990n);
    expect(parseCents('0.05')).toBe(5n);
    expect(parseCents(0)).toBe(0n);
    expect(parseCents('999999999999.99')).toBe(99_999_999_999_999n);
  });

  it('refuses negatives, three decimals, exponents, blanks and non-numbers', () => {
    for (const bad of ['-1', -1, '1.234', 1.234, '1e3', 1e21, '', ' 1', '01', 'abc', NaN, Infinity, null, true, {}, '1000000000000']) {
      expect(parseCents(bad)).toBeNull();
    }
  });

  it('formats cents as a two-decimal string', () => {
    expect(formatCents(1990n)).toBe('19.90');
    expect(formatCents(5n)).toBe('0.05');
    expect(formatCents(0n)).toBe('0.00');
    expect(formatCents(30n + 10n * 3n)).toBe('0.60');
  });
});
