import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { heraldDataSourceOptions } from '@herald/database';
import { ENTITIES, MIGRATIONS } from './persistence';

/**
 * The DataSource the TypeORM CLI uses (npm run migration:run / :revert / :generate). It needs a real
 * PostgreSQL: set DATABASE_URL. The server itself runs pending migrations at boot.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL (postgres://…) to run migrations from the command line; the server applies them itself at boot.');
  process.exit(1);
}
export default new DataSource(heraldDataSourceOptions({ url, embedded: false, poolSize: 2, entities: ENTITIES, migrations: MIGRATIONS }));
