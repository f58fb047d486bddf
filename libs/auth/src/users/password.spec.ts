import { dummyPasswordHash, hashPassword, verifyPassword } from './password';

describe('password hashing (scrypt)', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword('correct horse battery staple');
  });

  it('stores scrypt parameters, a random salt and the key, never the password', async () => {
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('correct');
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const composed = await hashPassword('caf\u00e9-pass');
    expect(await verifyPassword('cafe\u0301-pass', composed)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another scheme', '$2b$10$abcdefghijklmnopqrstuu'],
    ['too few parts', 'scrypt$32768$8$1$salt'],
    ['non-numeric cost', 'scrypt$abc$8$1$c2FsdA$a2V5'],
    ['cost that is not a power of two', 'scrypt$3$8$1$c2FsdA$a2V5'],
    ['absurd cost', 'scrypt$1099511627776$8$1$c2FsdA$a2V5'],
    ['truncated key', () => hash.slice(0, -10)],
  ])('never matches (and never throws on) a malformed hash: %s', async (_, stored) => {
    const value = typeof stored === 'function' ? stored() : stored;
    await expect(verifyPassword('correct horse battery staple', value)).resolves.toBe(false);
  });

  it('has a dummy hash that matches nothing, for timing-safe unknown-user logins', async () => {
    const dummy = await dummyPasswordHash();
    expect(await dummyPasswordHash()).toBe(dummy);
    expect(await verifyPassword('herald-demo', dummy)).toBe(false);
  });
});
