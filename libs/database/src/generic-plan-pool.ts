import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { DATABASE_CONNECT_TIMEOUT_MS } from './data-source-options';
import { NAMED_STATEMENTS_OPTION, statementName } from './named-statements';

/**
 * A one-connection pool beside TypeORM's whose session plans its prepared statements once and for all
 * (`plan_cache_mode = force_generic_plan`), for a statement that runs all the time, whose plan cannot depend on
 * its parameters' values, and whose planning costs more than its execution.
 *
 * The notification writer's one-statement batch (NotificationStore.writeAlone) is that statement: it only inserts
 * from its array parameters. PostgreSQL's default keeps planning it anew at every call, because the custom plan for
 * the actual array lengths always looks cheaper than a generic one: `log_min_duration_statement` on a probe at 2
 * pushes in flight showed 0.29 ms of bind (planning) against 0.18 ms of execution per call. The setting is per
 * session, so it lives on its own connection and no other query's plan changes.
 *
 * Not for the embedded database (one backend for every client, and no named statements there): `forDataSource`
 * answers undefined and the caller uses the DataSource.
 */
export class GenericPlanPool {
  private readonly log = new Logger(GenericPlanPool.name);
  private readonly pool: Pool;
  private ended = false;

  private constructor(connectionString: string, applicationName: string) {
    this.pool = new Pool({
      connectionString,
      max: 1,
      options: '-c plan_cache_mode=force_generic_plan',
      application_name: applicationName,
      connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that breaks (database restart) must not crash the process: the next query opens a new one.
    this.pool.on('error', (err) => this.log.warn({ err: err.message }, 'generic-plan connection lost; the next statement reconnects'));
  }

  /** A pool on the same database as `source`, or undefined when `source` does not use named statements (embedded). */
  static forDataSource(source: DataSource, purpose: string): GenericPlanPool | undefined {
    const options = source.options as { url?: string; applicationName?: string; extra?: Record<string, unknown> };
    if (options.extra?.[NAMED_STATEMENTS_OPTION] !== true || !options.url) return undefined;
    return new GenericPlanPool(options.url, `${options.applicationName ?? 'herald'}-${purpose}`);
  }

  /** Runs `text` as a named statement on the pool's connection; rows as node-pg parses them. */
  async query<T>(text: string, values: unknown[]): Promise<T[]> {
    if (this.ended) throw new Error('the generic-plan pool has been closed');
    const name = statementName(text);
    const result = await this.pool.query(name ? { name, text, values } : { text, values });
    return result.rows as T[];
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }
}
