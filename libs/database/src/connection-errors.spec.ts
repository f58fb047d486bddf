import { describeConnectionError, isDatabaseBusyError, isDatabaseUnavailableError, isTransientConnectionError } from './connection-errors';

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

describe('database errors at run time', () => {
  const wrapped = (driverError: object) => Object.assign(new Error('query failed'), { driverError, query: 'SELECT 1', parameters: [] });

  it('calls connection-level failures unavailable, however they are wrapped', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03', '08006', '08001']) {
      expect(isDatabaseUnavailableError(err(code))).toBe(true);
      expect(isDatabaseUnavailableError(wrapped(err(code)))).toBe(true);
    }
    expect(isDatabaseUnavailableError(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailableError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailableError(new Error('x', { cause: err('ECONNREFUSED') }))).toBe(true);
  });

  it('does not call a bad query, a constraint or a busy database unavailable', () => {
    for (const code of ['23505', '42P01', '22P02', '55P03']) expect(isDatabaseUnavailableError(wrapped(err(code)))).toBe(false);
    expect(isDatabaseUnavailableError(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailableError(null)).toBe(false);
  });

  it('calls lock, statement and serialization timeouts busy', () => {
    for (const code of ['55P03', '57014', '40001', '40P01']) expect(isDatabaseBusyError(wrapped(err(code)))).toBe(true);
    expect(isDatabaseBusyError(wrapped(err('23505')))).toBe(false);
  });
});
