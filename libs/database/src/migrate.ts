import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ADVISORY_LOCKS } from './advisory-locks';

const MIGRATION_LOCK_KEY = ADVISORY_LOCKS.migrations;

/**
 * Runs pending migrations. On a shared PostgreSQL several instances may boot at once, so the run is
 * serialised by a session advisory lock (skipped with the single-connection embedded database).
 */
export async function runMigrations(dataSource: DataSource, options: { embedded: boolean }): Promise<string[]> {
  const log = new Logger('Migrations');
  const run = async () => (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  if (options.embedded) return report(log, await run());
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return report(log, await run());
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
  }
}

function report(log: Logger, applied: string[]): string[] {
  if (applied.length) log.log({ applied }, `Applied ${applied.length} migration(s)`);
  return applied;
}
