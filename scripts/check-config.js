#!/usr/bin/env node
// `npm run check-config [-- --connect]`: validates the environment with the server's own loadConfig (from the
// built dist/, so it runs on a production install without dev tools), prints one line and exits 0 or 1.
// --connect also tries PostgreSQL (and Redis when REDIS_URL is set), each with a short timeout.
'use strict';
require('./node-version').requireSupportedNode();
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const ENVIRONMENT = join(ROOT, 'dist/libs/common/src/config/environment.js');
const CONNECTION_ERRORS = join(ROOT, 'dist/libs/database/src/connection-errors.js');
const CONNECT_TIMEOUT_MS = 3000;

function fail(line) {
  console.error(line);
  process.exit(1);
}

/** host:port/path of a URL, without user or password. */
function where(url, defaultPort) {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || defaultPort}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** What is configured, in one line, with no secret in it. */
function summary(config) {
  const parts = [`NODE_ENV=${config.NODE_ENV}`, `listening on ${config.HOST}:${config.PORT}`];
  parts.push(config.embeddedDatabase ? `embedded database in ${config.DATA_DIR}` : `PostgreSQL at ${where(config.DATABASE_URL, 5432)}`);
  parts.push(config.REDIS_URL ? `Redis at ${where(config.REDIS_URL, 6379)} (prefix ${config.REDIS_PREFIX})` : 'no Redis (single instance)');
  parts.push(config.JWT_SECRET ? 'JWT_SECRET set' : 'JWT_SECRET unset (generated)');
  if (config.ADMIN_USERNAME) parts.push(`first admin ${config.ADMIN_USERNAME}`);
  if (config.demoSeed) parts.push('demo users seeded');
  parts.push(`CORS ${config.corsOrigins === '*' ? 'any origin' : config.corsOrigins.length ? config.corsOrigins.join(',') : 'same-origin only'}`);
  parts.push(`TRUST_PROXY=${config.TRUST_PROXY}`, `LOG_LEVEL=${config.LOG_LEVEL}`);
  return parts.join(', ');
}

const withTimeout = (promise, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS).unref()),
  ]).catch((err) => {
    throw Object.assign(new Error(`${what}: ${err && err.message ? err.message : String(err)}`), { cause: err });
  });

async function checkPostgres(url) {
  const { Client } = require('pg');
  const { describeConnectionError } = require(CONNECTION_ERRORS);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined); // a drop after the check is not this check's business
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    // The server's own words for connection errors (host, never the password), else the driver's message.
    const said = describeConnectionError(err, url);
    throw new Error(said ? `PostgreSQL: ${said}` : `PostgreSQL at ${where(url, 5432)}: ${err && err.message ? err.message : String(err)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url) {
  const { createClient } = require('redis');
  const client = createClient({ url, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } });
  let lastError;
  client.on('error', (err) => (lastError = err));
  try {
    await withTimeout(client.connect().then(() => client.ping()), `Redis at ${where(url, 6379)}`);
  } catch (err) {
    const cause = lastError && lastError.message ? ` (${lastError.message})` : '';
    throw new Error(`${err.message}${cause && !err.message.includes(lastError.message) ? cause : ''}`);
  } finally {
    // destroy() throws when the failed connect already closed the client; nothing is left to release then.
    if (client.isOpen) client.destroy();
  }
}

async function main() {
  if (!existsSync(ENVIRONMENT)) {
    fail('herald: check-config reads the built server and dist/ is missing: run `npm run build` (or copy dist/ from the build host, see docs/production.md).');
  }
  const { loadConfig } = require(ENVIRONMENT);
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    // The very line the server prints at boot for a ConfigurationError.
    fail(`herald: ${err.message}`);
  }
  const line = `configuration OK: ${summary(config)}`;
  if (!process.argv.includes('--connect')) {
    console.log(line);
    return;
  }
  // Both at once (each bounded by CONNECT_TIMEOUT_MS), reported in a fixed order.
  const checks = [];
  if (!config.embeddedDatabase) checks.push(['PostgreSQL', checkPostgres(config.DATABASE_URL)]);
  if (config.REDIS_URL) checks.push(['Redis', checkRedis(config.REDIS_URL)]);
  const results = await Promise.allSettled(checks.map(([, p]) => p));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason.message.replace(/\.$/, '')] : []));
  if (failures.length) fail(`herald: configuration valid, but ${failures.join('; ')}`);
  const reached = checks.map(([name]) => name);
  console.log(`${line}; ${reached.length ? `reached ${reached.join(' and ')}` : 'embedded database: nothing to reach'}`);
}

main().then(
  () => process.exit(0),
  (err) => fail(`herald: check-config failed: ${err && err.stack ? err.stack : String(err)}`),
);
