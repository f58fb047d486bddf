import { Client } from 'pg';

/** Whether a PostgreSQL server answers at `url` within two seconds (used to choose the embedded fallback). */
export async function postgresReachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
