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
import { printResults, printTargets } from './report';
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
  // BENCH_CPU_PROF_DIR: Herald writes a V8 CPU profile of the whole run there when it stops (open it in Chrome DevTools).
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  const herald = startChild(join(__dirname, 'herald-child.js'), heraldEnv, 'herald', 'json', [], profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
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
      `unicast ${config.unicastEvents} events at max rate, ${config.pacedEvents} at ${config.unicastRate}/s; batch ${config.batchEvents} in calls of ${config.batchSize} (BENCH_* variables change them)`,
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
  const unicastTargets = Array.from({ length: Math.max(config.unicastEvents, config.pacedEvents, config.batchEvents) }, () => inBoth[Math.floor(random() * inBoth.length)]);

  type Kind = 'fan-out' | 'unicast' | 'batch';
  const send = (system: SystemName, kind: Kind) => (seq: number, data: BenchData) => {
    const userId = kind !== 'fan-out' ? users[unicastTargets[seq % unicastTargets.length]].id : undefined;
    const type = kind === 'fan-out' ? 'bench.fanout' : 'bench.unicast';
    const title = `Bench ${kind} ${seq}`;
    if (system === 'herald') {
      const to = userId ? { userIds: [userId] } : { rooms: ['orders'] };
      return postJson(`${servers.heraldUrl}/api/push`, { to, type, title, data }, { 'x-api-key': apiKey });
    }
    const room = userId ? `user:${userId}` : 'orders';
    const payload = { id: String(seq + 1), type, title, body: '', data, room, source: 'push:bench', createdAt: new Date().toISOString(), readAt: null };
    return postJson(`${servers.baselineUrl}/emit`, { room, event: 'notification', payload });
  };

  /** Batch push: the first seq of each group of BATCH sends the whole group in one call; the others share its answer. */
  const BATCH = config.batchSize;
  const batches = new Map<number, Promise<number[]>>();
  const sendBatch = (seq: number, data: BenchData): Promise<number> => {
    const k = Math.floor(seq / BATCH);
    let call = batches.get(k);
    if (!call) {
      const first = k * BATCH;
      const count = Math.min(BATCH, config.batchEvents - first);
      const items = Array.from({ length: count }, (_, i) => ({
        to: { userIds: [users[unicastTargets[(first + i) % unicastTargets.length]].id] },
        type: 'bench.batch',
        title: `Bench batch ${first + i}`,
        data: { bench: data.bench, seq: first + i, sentAt: data.sentAt },
      }));
      call = new Promise<number[]>((resolve) => {
        let statuses: number[] = [];
        void postJson(`${servers.heraldUrl}/api/push/batch`, { items }, { 'x-api-key': apiKey }, (text) => {
          const body = JSON.parse(text) as { items?: Array<{ error?: { statusCode: number } }> };
          statuses = (body.items ?? []).map((it) => it.error?.statusCode ?? 202);
        }).then((status) => resolve(status === 202 ? statuses : Array(count).fill(status)));
      });
      batches.set(k, call);
    }
    return call.then((statuses) => statuses[seq - k * BATCH] ?? 0);
  };

  interface Plan {
    scenario: string;
    kind: Kind;
    systems: SystemName[];
    events: number;
    rate: number;
    maxInFlight?: number;
  }
  const plans: Plan[] = [
    { scenario: 'fan-out', kind: 'fan-out', systems: ['herald', 'baseline'], events: config.fanoutEvents, rate: config.fanoutRate },
    { scenario: 'unicast-max', kind: 'unicast', systems: ['herald', 'baseline'], events: config.unicastEvents, rate: 1_000_000 },
    { scenario: 'unicast-paced', kind: 'unicast', systems: ['herald', 'baseline'], events: config.pacedEvents, rate: config.unicastRate },
    { scenario: 'batch', kind: 'batch', systems: ['herald'], events: config.batchEvents, rate: 1_000_000, maxInFlight: BATCH * 4 },
  ];
  // BENCH_SCENARIOS=unicast-max,batch runs only those (e.g. for a CPU profile of one scenario).
  const only = process.env.BENCH_SCENARIOS ? new Set(process.env.BENCH_SCENARIOS.split(',').map((x) => x.trim())) : undefined;
  const results: ScenarioResult[] = [];
  for (const plan of plans.filter((p) => !only || only.has(p.scenario))) {
    for (const system of plan.systems) {
      const rateText = plan.rate >= 1_000_000 ? 'max rate' : `${plan.rate}/s`;
      console.log(`\n${plan.scenario} on ${system}: ${plan.events} events at ${rateText} to ${plan.kind === 'fan-out' ? `${connected[system].length} sockets each` : 'one random socket each'}`);
      results.push(
        await runScenario(
          {
            scenario: plan.scenario,
            system,
            pid: system === 'herald' ? servers.heraldPid : servers.baselinePid,
            database: system === 'herald' && !db.embedded ? new URL(db.url).pathname.slice(1) : undefined,
            events: plan.events,
            ratePerSecond: plan.rate,
            recipientsOf: plan.kind === 'fan-out' ? () => connected[system] : (seq) => [unicastTargets[seq % unicastTargets.length]],
            socketSlots: users.length,
            send: plan.kind === 'batch' ? sendBatch : send(system, plan.kind),
            timeoutMs: plan.rate >= 1_000_000 ? 120_000 : scenarioTimeoutMs(config, plan.events, plan.rate),
            idleMs: config.idleS * 1000,
            dumpDir: config.dumpDir,
            maxInFlight: plan.maxInFlight,
          },
          workers,
        ),
      );
    }
  }
  await workers.disconnect('herald');
  await workers.disconnect('baseline');
  printResults(results);
  const verdicts = printTargets(results);

  if (only) {
    console.log('\nBENCH_SCENARIOS is set: storage checks skipped.');
    return;
  }
  console.log('\nStorage checks:');
  const oneRow = await showOneRowPerBroadcast(sql, servers.heraldUrl, apiKey, config.roomUsers);
  await synthesizeHistory(sql, config.history);
  await explainQueries(sql, users[0].id, config.backlog);

  const lost = results.reduce((a, r) => a + r.lost, 0);
  const heraldUnicastLost = results.filter((r) => r.scenario.startsWith('unicast') && r.system === 'herald').reduce((a, r) => a + r.lost, 0);
  if (!oneRow || heraldUnicastLost > 0 || verdicts.failed > 0) process.exitCode = 1;
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
