import type { DataSourceOptions, LogLevel, MixedList } from 'typeorm';
import { NAMED_STATEMENTS_OPTION } from './named-statements';
import { TypeOrmPinoLogger } from './typeorm-pino-logger';

/** What TypeORM itself may log: its warnings and the migrations it runs, never queries. */
const TYPEORM_LOG_LEVELS: LogLevel[] = ['warn', 'migration'];

/**
 * How long getting a pooled connection may take before the request fails (503). A stopped server
 * refuses at once; this bounds a black-holed one, with room for a busy machine's slow connects.
 */
export const DATABASE_CONNECT_TIMEOUT_MS = 5000;

export interface HeraldDataSourceInput {
  url: string;
  embedded: boolean;
  poolSize: number;
  entities: MixedList<Function>;
  migrations: MixedList<Function>;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * One place that says how Herald talks to PostgreSQL, used by the server and by the migration CLI.
 * Never `synchronize`: the schema is what `migrations/` says.
 */
export function heraldDataSourceOptions(input: HeraldDataSourceInput): DataSourceOptions {
  return {
    type: 'postgres',
    url: input.url,
    entities: input.entities,
    migrations: input.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Failed queries surface as exceptions and are logged where they are handled, with context.
    logging: TYPEORM_LOG_LEVELS,
    // Through Nest's Logger (pino in the server): JSON lines, not plain text in the JSON stream.
    logger: new TypeOrmPinoLogger(TYPEORM_LOG_LEVELS),
    applicationName: input.applicationName ?? 'herald',
    extra: {
      // The embedded database is one PGlite instance: one connection avoids interleaving transactions.
      max: input.embedded ? 1 : input.poolSize,
      // A database that cannot be reached is answered 503 within a few seconds, not after a long hang.
      connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      // Hot-path statements are prepared once per connection (named()); not on the embedded database, whose
      // one backend serves every socket client of pglite-socket.
      [NAMED_STATEMENTS_OPTION]: !input.embedded,
    },
  };
}
