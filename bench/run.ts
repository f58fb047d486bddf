/**
 * `npm run bench`: Herald against a bare Socket.IO server, side by side on this machine.
 * Fan-out (every socket in one room, one event for all) and unicast (one event for one random
 * user), with the same sockets, rates and payload sizes; then the storage checks of explain.ts.
 * Every child process and the bench database are removed on the way out, also on errors and Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadBenchConfig, scenarioTimeoutMs, seededRandom, type BenchConfig } from './config';
import { createBenchDatabase, insertSalesUsers, mintAccessToken, type BenchDatabase, type BenchUser } from './database';
import { explainQueries, showOneRowPerBroadcast, synthesizeHistory } from './explain';
import { firstJsonLine, freePort, killAllChildrenNow, startChild, stopAllChildren, waitForHttp } from './processes';
import type { BenchData, SocketSpec, SystemName } from './protocol';
import { printResults } from './report';
import { closeHttp, postJson, runScenario, type ScenarioResult } from './scenario';
import { WorkerPool } from './workers';

const REPO_ROOT = join(__dirname, '..', '..');
const TOKEN_TTL_SECONDS = 2 * 3600;

interface Servers {
  heraldUrl: string;
  heraldPid: number;
  baselineUrl: string;
  baselinePid: number;
  jwtSecret: string;
}

let db: BenchDatabase | undefined;
let sql: Client | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    closeHttp();
    await sql?.end().catch(() => undefined);
    await stopAllChildren();
    await db?.drop().catch((err: Error) => console.error(`Could not drop the bench database: ${err.message}`));
  })());
}

async function startServers(database: BenchDatabase): Promise<Servers> {
  const jwtSecret = randomBytes(32).toString('base64url');
  const port = await freePort();
  // A clean environment: nothing from the caller's shell (REDIS_URL, DATABASE_URL...) leaks into the run.
  const heraldEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // Production settings, except with the embedded database, which production mode refuses.
    NODE_ENV: database.embedded ? 'development' : 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: 'warn',
    DEMO_SEED: 'true',
    PUSH_RATE_PER_SECOND: '100000',
    ...(database.embedded ? { BENCH_EMBEDDED_DATABASE_URL: database.url } : { DATABASE_URL: database.url }),
  };
  const herald = startChild(join(__dirname, 'herald-child.js'), heraldEnv, 'herald');
  const heraldUrl = `http://127.0.0.1:${port}`;
  const baseline = startChild(join(__dirname, 'baseline-server.js'), { PATH: process.env.PATH, PORT: '0' }, 'baseline');
  const [{ port: baselinePort }] = await Promise.all([
    firstJsonLine<{ port: number }>(baseline, 'the baseline Socket.IO server', 30_000),
    waitForHttp(`${heraldUrl}/health/ready`, herald, 90_000),
  ]);
  return { heraldUrl, heraldPid: herald.pid!, baselineUrl: `http://127.0.0.1:${baselinePort}`, baselinePid: baseline.pid!, jwtSecret };
}

async function createApiKey(heraldUrl: string): Promise<string> {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${heraldUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const login = await post('/api/auth/login', { username: 'admin', password: 'herald-demo' });
  const created = await post('/api/api-keys', { name: 'bench' }, String(login.accessToken));
  return String(created.key);
}

async function connectAll(workers: WorkerPool, system: SystemName, url: string, specs: SocketSpec[], config: BenchConfig): Promise<number[]> {
  const reports = await workers.connect(system, url, specs, config.connectConcurrency, 20_000);
  const indices = reports.flatMap((r) => r.indices).sort((a, b) => a - b);
  const ms = Math.max(...reports.map((r) => r.ms));
  const failed = reports.reduce((a, r) => a + r.failed, 0);
  const errors = [...new Set(reports.flatMap((r) => r.errors))];
  console.log(
    `Connected ${indices.length.toLocaleString('en-US')}/${specs.length.toLocaleString('en-US')} sockets to ${system} in ${(ms / 1000).toFixed(1)} s` +
      ` (${Math.round(indices.length / (ms / 1000))}/s)${failed ? `; ${failed} failed: ${errors.join('; ')}` : ''}`,
  );
  return indices;
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  console.log(
    `Herald bench, ${new Date().toISOString()}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`,
  );
  console.log(
    `Settings: ${config.sockets} sockets over ${config.workers} client processes; fan-out ${config.fanoutEvents} events at ${config.fanoutRate}/s; ` +
      `unicast ${config.unicastEvents} events at ${config.unicastRate}/s (BENCH_* variables change them)`,
  );

  db = await createBenchDatabase(config.adminDatabaseUrl, REPO_ROOT);
  console.log(db.embedded ? `PostgreSQL is not reachable at ${config.adminDatabaseUrl}: using the EMBEDDED database (PGlite); figures are not comparable with PostgreSQL runs.` : `Database: ${db.url} (PostgreSQL, dropped at the end)`);
  const servers = await startServers(db);
  console.log(`Herald (pid ${servers.heraldPid}) at ${servers.heraldUrl}; baseline Socket.IO (pid ${servers.baselinePid}) at ${servers.baselineUrl}`);

  sql = new Client({ connectionString: db.url });
  await sql.connect();
  const apiKey = await createApiKey(servers.heraldUrl);
  const users: BenchUser[] = await insertSalesUsers(sql, 'bench', config.sockets);
  const workers = await WorkerPool.start(config.workers);

  const heraldSpecs = users.map((u, index) => ({ index, auth: { token: mintAccessToken(servers.jwtSecret, u, TOKEN_TTL_SECONDS) } }));
  const baselineSpecs = users.map((u, index) => ({ index, auth: { userId: u.id } }));
  const connected: Record<SystemName, number[]> = {
    herald: await connectAll(workers, 'herald', servers.heraldUrl, heraldSpecs, config),
    baseline: await connectAll(workers, 'baseline', servers.baselineUrl, baselineSpecs, config),
  };

  // The same random recipients for both systems, among the sockets both have.
  const baselineHas = new Set(connected.baseline);
  const inBoth = connected.herald.filter((i) => baselineHas.has(i));
  if (!inBoth.length) throw new Error('No socket connected to both systems (see the connect errors above); nothing to measure.');
  const random = seededRandom(config.seed);
  const unicastTargets = Array.from({ length: config.unicastEvents }, () => inBoth[Math.floor(random() * inBoth.length)]);

  const send = (system: SystemName, kind: 'fan-out' | 'unicast') => (seq: number, data: BenchData) => {
    const userId = kind === 'unicast' ? users[unicastTargets[seq]].id : undefined;
    const type = kind === 'unicast' ? 'bench.unicast' : 'bench.fanout';
    const title = `Bench ${kind} ${seq}`;
    if (system === 'herald') {
      const to = userId ? { userIds: [userId] } : { rooms: ['orders'] };
      return postJson(`${servers.heraldUrl}/api/push`, { to, type, title, data }, { 'x-api-key': apiKey });
    }
    const room = userId ? `user:${userId}` : 'orders';
    const payload = { id: String(seq + 1), type, title, body: '', data, room, source: 'push:bench', createdAt: new Date().toISOString(), readAt: null };
    return postJson(`${servers.baselineUrl}/emit`, { room, event: 'notification', payload });
  };

  const results: ScenarioResult[] = [];
  for (const kind of ['fan-out', 'unicast'] as const) {
    const events = kind === 'fan-out' ? config.fanoutEvents : config.unicastEvents;
    const rate = kind === 'fan-out' ? config.fanoutRate : config.unicastRate;
    for (const system of ['herald', 'baseline'] as const) {
      console.log(`\n${kind} on ${system}: ${events} events at ${rate}/s to ${kind === 'fan-out' ? `${connected[system].length} sockets each` : 'one random socket each'}`);
      results.push(
        await runScenario(
          {
            scenario: kind,
            system,
            pid: system === 'herald' ? servers.heraldPid : servers.baselinePid,
            database: system === 'herald' && !db.embedded ? new URL(db.url).pathname.slice(1) : undefined,
            events,
            ratePerSecond: rate,
            recipientsOf: kind === 'fan-out' ? () => connected[system] : (seq) => [unicastTargets[seq]],
            socketSlots: users.length,
            send: send(system, kind),
            timeoutMs: scenarioTimeoutMs(config, events, rate),
            idleMs: config.idleS * 1000,
            dumpDir: config.dumpDir,
          },
          workers,
        ),
      );
    }
  }
  await workers.disconnect('herald');
  await workers.disconnect('baseline');
  printResults(results);

  console.log('\nStorage checks:');
  const oneRow = await showOneRowPerBroadcast(sql, servers.heraldUrl, apiKey, config.roomUsers);
  await synthesizeHistory(sql, config.history);
  await explainQueries(sql, users[0].id, config.backlog);

  const lost = results.reduce((a, r) => a + r.lost, 0);
  const heraldUnicastLost = results.find((r) => r.scenario === 'unicast' && r.system === 'herald')?.lost ?? 0;
  if (!oneRow || heraldUnicastLost > 0) process.exitCode = 1;
  console.log(`\nDone: ${lost} deliveries lost in all; cleaning up.`);
}

process.once('SIGINT', () => {
  console.error('\nInterrupted: stopping the servers and clients and dropping the bench database...');
  void cleanup().finally(() => process.exit(130));
});
process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
process.on('exit', killAllChildrenNow);
// Output piped into `head` that closed, or any bug: still stop the children and drop the database.
process.stdout.on('error', () => void cleanup().finally(() => process.exit(1)));
process.on('uncaughtException', (err) => {
  if (!cleaning) console.error(`\nThe bench failed: ${err.stack ?? err.message}`);
  void cleanup().finally(() => process.exit(1));
});

main()
  .catch((err: Error) => {
    // After Ctrl-C the work in flight fails as its children go; that is not news.
    if (!cleaning) console.error(`\nThe bench failed: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(() => cleanup().finally(() => process.exit()));
