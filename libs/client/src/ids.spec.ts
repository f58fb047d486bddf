import { compareIds, maxId, SeenIds } from './ids';

describe('notification ids', () => {
  it('compares ids as integers of any length, not as text or floats', () => {
    expect(compareIds('9', '10')).toBe(-1);
    expect(compareIds('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareIds('0042', '42')).toBe(0);
    expect(maxId(null, '5')).toBe('5');
    expect(maxId('12', '5')).toBe('12');
  });

  it('drops a repeated id and anything at or below the cursor', () => {
    const seen = new SeenIds(10);
    expect(seen.accept('7', null)).toBe(true);
    expect(seen.accept('7', null)).toBe(false);
    expect(seen.accept('5', '6')).toBe(false);
    expect(seen.accept('6', '6')).toBe(false);
    expect(seen.accept('8', '6')).toBe(true);
    expect(seen.accept('not-a-number', null)).toBe(false);
  });

  it('remembers only the most recent ids, so memory stays bounded', () => {
    const seen = new SeenIds(3);
    for (const id of ['1', '2', '3', '4']) expect(seen.accept(id, null)).toBe(true);
    expect(seen.size).toBe(3);
    expect(seen.accept('4', null)).toBe(false);
    // '1' was evicted: without a cursor it is accepted again; the cursor rule covers that case in the client.
    expect(seen.accept('1', null)).toBe(true);
    expect(seen.accept('2', '4')).toBe(false);
  });
});
