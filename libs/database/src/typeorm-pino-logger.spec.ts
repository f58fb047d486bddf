import { Logger, LoggerService } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { TypeOrmPinoLogger } from './typeorm-pino-logger';

describe('TypeOrmPinoLogger', () => {
  const calls: Array<{ level: string; args: unknown[] }> = [];
  const sink: LoggerService = {
    log: (...args: unknown[]) => calls.push({ level: 'log', args }),
    warn: (...args: unknown[]) => calls.push({ level: 'warn', args }),
    error: (...args: unknown[]) => calls.push({ level: 'error', args }),
    debug: (...args: unknown[]) => calls.push({ level: 'debug', args }),
  };
  beforeAll(() => Logger.overrideLogger(sink));
  afterAll(() => Logger.overrideLogger(['error', 'warn']));
  beforeEach(() => (calls.length = 0));

  it('writes warnings and migration messages through Nest’s Logger as objects, and nothing else by default', () => {
    const logger = new TypeOrmPinoLogger(['warn', 'migration']);
    logger.logQuery();
    logger.logSchemaBuild('Migration X has been executed successfully.');
    logger.log('info', 'chatter');
    logger.logMigration('Migration "X" failed, error: boom');
    logger.log('warn', 'something odd');
    expect(calls.map((c) => c.level)).toEqual(['log', 'warn']);
    expect(calls[0].args[0]).toEqual({ migration: 'Migration "X" failed, error: boom' });
    expect(calls[1].args[0]).toEqual({ message: 'something odd' });
  });

  it('never writes a failed query’s parameters', () => {
    const logger = new TypeOrmPinoLogger(['error']);
    logger.logQueryError(new QueryFailedError('SELECT $1', ['$2b$10$secret-hash'], new Error('boom')));
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(calls[0].args)).not.toContain('secret-hash');
  });
});
