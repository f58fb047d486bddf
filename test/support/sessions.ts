import { Client } from 'pg';
import { REFRESH_RACE_GRACE_SECONDS } from '@herald/contracts';
import type { TestServer } from './server';

/**
 * Makes the user's spent refresh tokens look spent a minute ago, past the grace in which presenting
 * one again counts as two tabs racing rather than theft. The embedded database is waited out instead.
 */
export async function spentLongAgo(server: TestServer, userId: string): Promise<void> {
  if (server.db.embedded) return new Promise((r) => setTimeout(r, (REFRESH_RACE_GRACE_SECONDS + 1) * 1000));
  const pg = new Client({ connectionString: server.db.url });
  await pg.connect();
  try {
    await pg.query(`UPDATE refresh_tokens SET used_at = used_at - interval '1 minute' WHERE used_at IS NOT NULL AND user_id = $1`, [userId]);
  } finally {
    await pg.end();
  }
}
