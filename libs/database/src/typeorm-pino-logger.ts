import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger, LogLevel } from 'typeorm';
import { safeError } from './log-serializers';

/**
 * TypeORM's own messages (warnings, migrations) written through Nest's Logger, which is pino in the
 * server: one JSON line each instead of plain text in the JSON stream. Queries and their parameters
 * are never written; a failed query surfaces as an exception and is logged where it is handled.
 */
export class TypeOrmPinoLogger implements TypeOrmLogger {
  private readonly out = new Logger('TypeORM');
  private readonly levels: ReadonlySet<LogLevel>;

  constructor(levels: readonly LogLevel[]) {
    this.levels = new Set(levels);
  }

  logQuery(): void {
    // Never: the parameters carry password hashes, tokens and customer data.
  }

  logQueryError(error: string | Error): void {
    if (this.levels.has('error')) this.out.error({ err: safeError(error) }, 'query failed');
  }

  logQuerySlow(time: number): void {
    if (this.levels.has('warn')) this.out.warn({ durationMs: time }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    if (this.levels.has('schema')) this.out.debug({ message: String(message) }, 'schema build');
  }

  logMigration(message: string): void {
    if (this.levels.has('migration')) this.out.log({ migration: String(message) }, 'migration');
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (!this.levels.has(level)) return;
    const text = message instanceof Error ? message.message : String(message);
    if (level === 'warn') this.out.warn({ message: text }, 'typeorm warning');
    else this.out.log({ message: text }, 'typeorm');
  }
}
