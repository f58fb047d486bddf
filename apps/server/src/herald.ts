import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HeraldConfig, loadConfig } from '@herald/common';
import { EmbeddedDatabase, startEmbeddedDatabase } from '@herald/database';
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
    await app.listen(config.PORT, config.HOST);
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
