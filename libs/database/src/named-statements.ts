import { hash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/** Distinct statement texts given names at most (the hot path has a few dozen); beyond, texts go unnamed. */
const MAX_NAMED = 500;
const names = new Map<string, string>();

/** The data-source option (in `extra`) that turns named statements on; the embedded database leaves it off. */
export const NAMED_STATEMENTS_OPTION = 'heraldNamedStatements';

/**
 * `text` as a named (prepared) statement for the queries that run on every push and every commit, to pass
 * to `manager.query()` / `dataSource.query()` in place of the text.
 *
 * Unnamed statements are parsed and planned again by PostgreSQL on every call: under a unicast load, parse and
 * bind took longer than execution for most of the push path's statements (log_min_duration_statement on a probe:
 * 232 ms of parse+bind against 20 ms of execution for the mute query, over 438 calls). node-pg prepares a named
 * statement once per connection and then only binds and executes it. TypeORM hands its query argument to
 * node-pg as it is, so a query config object goes through TypeORM's pool, transactions and error wrapping
 * unchanged; its toString() is the SQL, for anything that prints the query.
 *
 * Off for data sources without the option (the embedded PGlite, tools): there the text is answered as it is.
 */
export function named(source: DataSource | EntityManager, text: string): string {
  const dataSource = 'dataSource' in source ? source.dataSource : source;
  const extra = (dataSource.options as { extra?: Record<string, unknown> }).extra;
  if (extra?.[NAMED_STATEMENTS_OPTION] !== true) return text;
  const name = statementName(text);
  if (!name) return text;
  return { name, text, toString: () => text } as unknown as string;
}

/** The name `text` is prepared under (one per distinct text), or undefined once MAX_NAMED texts have names. */
export function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (!name) {
    if (names.size >= MAX_NAMED) return undefined;
    name = `herald_${hash('sha1', text, 'hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
