import { safeError } from './log-serializers';

describe('safeError', () => {
  it('drops the parameters and detail of a failed query, keeps its code, message and query text', () => {
    const driverError = Object.assign(new Error('null value in column "username" violates not-null constraint'), {
      code: '23502',
      detail: 'Failing row contains (7, null, scrypt$16384$8$1$c2FsdA$aGFzaA).',
    });
    const failed = Object.assign(new Error(driverError.message), {
      name: 'QueryFailedError',
      query: 'INSERT INTO users (username, password_hash) VALUES ($1, $2)',
      parameters: [null, 'scrypt$16384$8$1$c2FsdA$aGFzaA'],
      driverError,
      code: '23502',
      detail: driverError.detail,
    });
    const out = safeError(failed);
    const text = JSON.stringify(out);
    expect(text).not.toContain('scrypt$');
    expect(text).not.toContain('parameters');
    expect(out).toMatchObject({ code: '23502', message: driverError.message, query: failed.query });
  });

  it('keeps a socket error behind a lost connection', () => {
    const out = safeError(new Error('Connection terminated unexpectedly', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }));
    expect(out).toMatchObject({ message: 'Connection terminated unexpectedly', cause: { code: 'ECONNRESET' } });
  });

  it('passes non-objects through', () => {
    expect(safeError('text')).toBe('text');
    expect(safeError(undefined)).toBeUndefined();
  });
});
