import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AddressInfo, createServer } from 'node:net';
import { DEMO_USERS } from '@herald/auth';
import { HeraldConfig, loadConfig } from '@herald/common';
import { EmbeddedDatabase, startEmbeddedDatabase } from '@herald/database';
import { ApiKeysService } from '@herald/notifications';
import { createHeraldApp } from './create-app';

export interface RunningHerald {
  app: NestExpressApplication;
  config: HeraldConfig;
  /** http://host:port the server listens on. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The demo secret is kept next to the embedded data, so tokens survive a restart. */
function demoSecret(dataDir: string): string {
  const file = resolve(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** PORT is taken by another process: the operator's to fix, said in one line (main.ts prints it). */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use; set PORT to another port (PORT=0 picks a free one).`);
    this.name = 'PortInUseError';
  }
}

const isAddressInUse = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

/**
 * Fails fast when the port is taken, before the database, migrations and seeders run and log as if
 * starting; a race with another process is still caught at `app.listen`.
 */
function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(isAddressInUse(err) ? new PortInUseError(port) : err));
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}

/**
 * Starts Herald from an environment: validates it, starts the embedded database when there is no
 * DATABASE_URL, resolves the JWT secret, and listens. `close()` undoes all of it in reverse order.
 */
export interface StartOptions {
  /**
   * Use this already-running embedded (PGlite) database instead of starting one: for tests that
   * fall back to it when no PostgreSQL is reachable.
   */
  embeddedDatabaseUrl?: string;
}

export async function startHerald(env: Record<string, string | undefined> = process.env, options: StartOptions = {}): Promise<RunningHerald> {
  const log = new Logger('Herald');
  let base = loadConfig(env);
  if (options.embeddedDatabaseUrl) base = { ...base, embeddedDatabase: true, databaseUrl: options.embeddedDatabaseUrl };
  await assertPortFree(base.PORT, base.HOST);
  let embedded: EmbeddedDatabase | undefined;
  if (base.embeddedDatabase && !base.databaseUrl) {
    embedded = await startEmbeddedDatabase(base.DATA_DIR);
    log.log(`Embedded database (PGlite) with its data in ${embedded.dataDir}; set DATABASE_URL to use PostgreSQL`);
  }
  try {
    let jwtSecret = base.jwtSecret;
    if (!jwtSecret && embedded) jwtSecret = demoSecret(base.DATA_DIR);
    if (!jwtSecret) {
      jwtSecret = randomBytes(48).toString('base64url');
      log.warn('JWT_SECRET is not set: using a random secret for this process only; tokens will not survive a restart or work across instances');
    }
    const config: HeraldConfig = Object.freeze({ ...base, databaseUrl: embedded?.url ?? base.databaseUrl, jwtSecret });
    const app = await createHeraldApp(config);
    try {
      await app.listen(config.PORT, config.HOST);
    } catch (err) {
      await app.close().catch((closeErr: unknown) => log.warn({ err: closeErr }, 'Closing after a failed listen failed too'));
      throw isAddressInUse(err) ? new PortInUseError(config.PORT) : err;
    }
    const { port } = app.getHttpServer().address() as AddressInfo;
    const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
    new Logger('Herald').log({ url }, `Herald is listening on ${url} (API docs at ${url}/docs)`);
    let closing: Promise<void> | undefined;
    return {
      app,
      config,
      url,
      port,
      close: () =>
        (closing ??= (async () => {
          try {
            await app.close();
          } finally {
            await embedded?.stop();
          }
        })()),
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/**
 * The plain-text start banner for a person at a terminal in demo mode: where to go and how to sign in.
 * None in production, nor when stdout is piped with a real DATABASE_URL (a log collector expects JSON lines only).
 */
export async function startBanner(herald: RunningHerald, stdoutIsTTY = Boolean(process.stdout.isTTY)): Promise<string | null> {
  const { config, url } = herald;
  if (!config.demoSeed || config.NODE_ENV === 'production' || !config.jwtSecret) return null;
  if (!config.embeddedDatabase && !stdoutIsTTY) return null;
  // Idempotent: the seeder has stored it already; this only derives it again to show it.
  const key = await herald.app.get(ApiKeysService, { strict: false }).ensureDemoKey(config.jwtSecret);
  const rule = '-'.repeat(72);
  return [
    rule,
    `Herald is running: ${url}  (API docs: ${url}/docs)`,
    `Demo users:    ${DEMO_USERS.map((u) => u.username).join(', ')}`,
    `Password:      ${config.DEMO_PASSWORD}  (users that existed before keep theirs)`,
    `Demo API key:  ${key}`,
    `Try:           curl -X POST ${url}/api/push -H 'X-Api-Key: ${key}' -H 'content-type: application/json' \\`,
    `                 -d '{"to":{"all":true},"type":"demo.hello","title":"Hello from the push API"}'`,
    rule,
    '',
  ].join('\n');
}
