import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import type { Role } from '@herald/contracts';
import { hashPassword } from './password';

export const DEMO_USERS: ReadonlyArray<{ username: string; displayName: string; roles: Role[] }> = [
  { username: 'admin', displayName: 'Ada Admin', roles: ['admin'] },
  { username: 'alice', displayName: 'Alice (Sales)', roles: ['sales'] },
  { username: 'bob', displayName: 'Bob (Warehouse)', roles: ['warehouse'] },
  { username: 'carol', displayName: 'Carol (Manager)', roles: ['manager'] },
  { username: 'dave', displayName: 'Dave (Staff)', roles: ['staff'] },
  { username: 'erin', displayName: 'Erin (Finance)', roles: ['finance'] },
];

/**
 * At boot: in demo mode, creates the demo users that do not exist yet (never touching existing ones);
 * otherwise creates the first admin from ADMIN_USERNAME/ADMIN_PASSWORD when there is no admin.
 * Safe when several instances boot at once (ON CONFLICT DO NOTHING).
 */
@Injectable()
export class FirstUsersSeeder implements OnApplicationBootstrap {
  private readonly log = new Logger('Seed');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.demoSeed) await this.seedDemoUsers();
    else if (this.config.ADMIN_USERNAME && this.config.ADMIN_PASSWORD) await this.seedFirstAdmin(this.config.ADMIN_USERNAME, this.config.ADMIN_PASSWORD);
  }

  private async insertIfAbsent(username: string, displayName: string, password: string, roles: Role[]): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO users (username, display_name, password_hash, roles) VALUES ($1, $2, $3, $4)
       ON CONFLICT ((lower(username))) DO NOTHING RETURNING id`,
      [username, displayName, await hashPassword(password), roles],
    );
    return rows.length === 1;
  }

  private async seedDemoUsers(): Promise<void> {
    const password = this.config.DEMO_PASSWORD;
    const existing = new Set(
      ((await this.db.query(`SELECT lower(username) AS u FROM users`)) as Array<{ u: string }>).map((r) => r.u),
    );
    const created: string[] = [];
    for (const user of DEMO_USERS) {
      if (existing.has(user.username)) continue;
      if (await this.insertIfAbsent(user.username, user.displayName, password, user.roles)) created.push(user.username);
    }
    this.log.log(
      {
        users: DEMO_USERS.map((u) => `${u.username} (${u.roles.join(',')})`),
        created,
      },
      `Demo mode: log in as admin, alice, bob, carol, dave or erin with password "${password}"` +
        (created.length < DEMO_USERS.length ? ' (users that already existed keep their password)' : ''),
    );
  }

  private async seedFirstAdmin(username: string, password: string): Promise<void> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles)`);
    if (n > 0) return;
    if (await this.insertIfAbsent(username, username, password, ['admin'])) {
      this.log.log({ username }, 'Created the first admin from ADMIN_USERNAME');
    } else {
      this.log.warn({ username }, 'ADMIN_USERNAME exists but is not an admin; no admin was created');
    }
  }
}
