import { describeConnectionError, isTransientConnectionError } from './connection-errors';

const err = (code: string) => Object.assign(new Error('x'), { code });

describe('database connection errors at start-up', () => {
  it('retries what time may cure and nothing else', () => {
    expect(isTransientConnectionError(err('ECONNREFUSED'))).toBe(true);
    expect(isTransientConnectionError(err('57P03'))).toBe(true);
    expect(isTransientConnectionError(err('28P01'))).toBe(false);
    expect(isTransientConnectionError(err('3D000'))).toBe(false);
    expect(isTransientConnectionError(err('42P01'))).toBe(false); // a failing migration
    expect(isTransientConnectionError(new Error('no code'))).toBe(false);
  });

  it('says where and what in one line, never the password', () => {
    const line = describeConnectionError(err('28P01'), 'postgres://herald:s3cret@db.internal:6543/herald');
    expect(line).toBe('Cannot connect to the database at db.internal:6543/herald (wrong user name or password). Check DATABASE_URL, or unset it to use the embedded database.');
    expect(line).not.toContain('s3cret');
    expect(describeConnectionError(err('ECONNREFUSED'), 'postgres://db/herald')).toMatch(/at db:5432\/herald \(connection refused/);
  });

  it('leaves other errors alone', () => {
    expect(describeConnectionError(new Error('boom'), 'postgres://db/x')).toBeUndefined();
    expect(describeConnectionError(err('42P01'), 'postgres://db/x')).toBeUndefined();
  });
});
