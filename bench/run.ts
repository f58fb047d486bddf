/**
 * `npm run bench`: Herald against a bare Socket.IO server, side by side on this machine.
 * Fan-out (every socket in one room, one event for all) and unicast (one event for one random
 * user), with the same sockets, rates and payload sizes; batch push; then issue 10's other
 * scenarios: replay of 50,000 missed notifications under live traffic (replay.ts), fan-out and
 * memory at 10,000 sockets (large-room.ts), two instances joined by Redis (two-instances.ts); then
 * the storage checks of explain.ts.
 * Every child process (servers, client workers, the private redis-server) and the bench database are
 * removed on the way out, also on errors and Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadBenchConfig, scenarioTimeoutMs, seededRandom, type BenchConfig } from './config';
import { baselineSpecs, connectSockets, databaseName, heraldSpecs, type BenchContext } from './context';
import { createBenchDatabase, insertSalesUsers, type BenchDatabase, type BenchUser } from './database';
import { explainQueries, showOneRowPerBroadcast, synthesizeHistory } from './explain';
import { HTTP_FLOOR, printHttpFloor, runHttpFloor, type HttpFloorResult } from './http-floor';
import { FANOUT_10K, MEMORY_10K, runLargeRoom } from './large-room';
import { ensureOpenFiles, ephemeralPorts, killAllChildrenNow, stopAllChildren, stopChild, stoppingEverything } from './processes';
import type { BenchData, SystemName } from './protocol';
import { REPLAY, runReplay } from './replay';
import { printMemory, printResults, printTargets, type ExtraResults } from './report';
import { closeHttp, postJson, runScenario, type ScenarioResult } from './scenario';
import { startBaseline, startHerald, type RunningServer } from './servers';
import { runTwoInstances, TWO_INSTANCES } from './two-instances';
import { WorkerPool } from './workers';

const REPO_ROOT = join(__dirname, '..', '..');

/** Every scenario BENCH_SCENARIOS may name, in the order they run. */
const SCENARIOS = ['fan-out', 'unicast-max', 'unicast-paced', 'batch', REPLAY, HTTP_FLOOR, MEMORY_10K, FANOUT_10K, TWO_INSTANCES] as const;
/** The scenarios on the 1,000-socket setup (BENCH_SOCKETS), with Herald's and the baseline's sockets connected at once. */
const SMALL_ROOM = new Set<string>(['fan-out', 'unicast-max', 'unicast-paced', 'batch', REPLAY]);
/** The small-room scenarios with a baseline run. */
const WITH_BASELINE = new Set<string>(['fan-out', 'unicast-max', 'unicast-paced']);

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

/** BENCH_SCENARIOS as a set (all when unset); unknown names are an error that lists the known ones. */
function selectScenarios(): { only?: Set<string>; selected: (name: string) => boolean } {
  const raw = process.env.BENCH_SCENARIOS;
  if (!raw) return { selected: () => true };
  const only = new Set(raw.split(',').map((x) => x.trim()).filter(Boolean));
  const unknown = [...only].filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`BENCH_SCENARIOS names unknown scenarios: ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}.`);
  // The two-instance target compares with one instance's unicast-max of the same run.
  if (only.has(TWO_INSTANCES) && !only.has('unicast-max')) {
    only.add('unicast-max');
    console.log(`BENCH_SCENARIOS: ${TWO_INSTANCES} is compared with the one-instance unicast-max of the same run, so unicast-max runs too.`);
  }
  return { only, selected: (name) => only.has(name) };
}

/** The open files and loopback ports the selected scenarios need, checked (and the soft limit raised) before anything starts. */
function checkSocketLimits(config: BenchConfig, small: boolean, large: boolean): void {
  const perWorker = (sockets: number, systems: number) => Math.ceil(sockets / config.workers) * systems;
  // Client processes hold their share of the sockets (both systems at once in the small room), a server all of one system's.
  const needed = Math.max(small ? perWorker(config.sockets, 2) : 0, small ? config.sockets : 0, large ? perWorker(config.largeSockets, 1) : 0, large ? config.largeSockets : 0) + 512;
  ensureOpenFiles(needed, large ? `${config.largeSockets.toLocaleString('en-US')} sockets (BENCH_LARGE_SOCKETS)` : `${config.sockets} sockets per system (BENCH_SOCKETS)`);
  const ports = ephemeralPorts();
  const loopback = Math.max(small ? 2 * config.sockets : 0, large ? config.largeSockets : 0);
  if (loopback + 1000 > ports) {
    throw new Error(`${loopback.toLocaleString('en-US')} client sockets at once need more than the ${ports.toLocaleString('en-US')} ephemeral ports of net.ipv4.ip_local_port_range; lower BENCH_LARGE_SOCKETS / BENCH_SOCKETS.`);
  }
}

async function main(): Promise<void> {
  // The figures depend on the Node that runs them (unicast-max took Herald 4.5-5.2 s of CPU for 5,000 pushes on
  // Node 20.20, 2.6-3.1 s on 24.22): a Node that engines does not allow is refused, as `npm start` refuses it.
  (require(join(__dirname, '..', '..', 'scripts', 'node-version.js')) as { requireSupportedNode(): void }).requireSupportedNode();
  const config = loadBenchConfig();
  const { only, selected } = selectScenarios();
  const small = SCENARIOS.some((s) => SMALL_ROOM.has(s) && selected(s));
  const large = selected(MEMORY_10K) || selected(FANOUT_10K);
  console.log(
    `Herald bench, ${new Date().toISOString()}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`,
  );
  console.log(
    `Settings: ${config.sockets} sockets over ${config.workers} client processes; fan-out ${config.fanoutEvents} events at ${config.fanoutRate}/s; ` +
      `unicast ${config.unicastEvents} events at max rate, ${config.pacedEvents} at ${config.unicastRate}/s; batch ${config.batchEvents} in calls of ${config.batchSize}; ` +
      `replay ${config.replayBacklog} missed, live pushes at ${config.replayLiveRate}/s meanwhile; ${config.largeSockets} sockets for ${MEMORY_10K} and ` +
      `${FANOUT_10K} (${config.largeFanoutEvents} events at ${config.largeFanoutRate}/s); ${TWO_INSTANCES} ${config.twoInstanceEvents} pushes (BENCH_* variables change them)`,
  );
  if (only) console.log(`Scenarios: ${SCENARIOS.filter(selected).join(', ')} (BENCH_SCENARIOS)`);
  checkSocketLimits(config, small, large);

  db = await createBenchDatabase(config.adminDatabaseUrl, REPO_ROOT);
  console.log(db.embedded ? `PostgreSQL is not reachable at ${config.adminDatabaseUrl}: using the EMBEDDED database (PGlite); figures are not comparable with PostgreSQL runs.` : `Database: ${db.url} (PostgreSQL, dropped at the end)`);
  const jwtSecret = randomBytes(32).toString('base64url');
  const [herald, baseline] = await Promise.all([startHerald(db, jwtSecret), startBaseline()]);
  console.log(`Herald (pid ${herald.pid}) at ${herald.url}; baseline Socket.IO (pid ${baseline.pid}) at ${baseline.url}`);

  sql = new Client({ connectionString: db.url });
  await sql.connect();
  const apiKey = await createApiKey(herald.url);
  const users: BenchUser[] = await insertSalesUsers(sql, 'bench', config.sockets);
  const workers = await WorkerPool.start(config.workers);
  const ctx: BenchContext = { config, db, sql, apiKey, jwtSecret, users, workers };

  const results: ScenarioResult[] = [];
  const extra: ExtraResults = { memory: [], failures: [] };
  if (small) results.push(...(await runSmallRoom(ctx, herald, baseline, selected, extra)));
  let floor: HttpFloorResult | undefined;
  if (selected(HTTP_FLOOR)) floor = await runHttpFloor(herald, baseline);
  // The one-instance servers are done: stopped, so that they take no CPU (their tail reads would count as the database's) from what follows.
  await Promise.all([stopChild(herald.child), stopChild(baseline.child)]);

  if (large) {
    const outcome = await runLargeRoom(ctx, { memory: selected(MEMORY_10K), fanout: selected(FANOUT_10K) });
    results.push(...outcome.results);
    extra.memory.push(...outcome.memory);
    extra.failures.push(...outcome.failures);
  }
  if (selected(TWO_INSTANCES)) {
    try {
      extra.twoInstances = await runTwoInstances(ctx);
      results.push(extra.twoInstances.result);
    } catch (err) {
      if (stoppingEverything()) throw err;
      console.error(`  ${TWO_INSTANCES} FAILED: ${(err as Error).message}`);
      extra.failures.push({ scenario: TWO_INSTANCES, error: (err as Error).message });
    }
  }

  printResults(results);
  printMemory(extra.memory);
  printHttpFloor(floor);
  const verdicts = printTargets(results, extra);

  const lost = results.reduce((a, r) => a + r.lost, 0);
  const heraldUnicastLost = results.filter((r) => r.scenario.startsWith('unicast') && r.system === 'herald').reduce((a, r) => a + r.lost, 0);
  if (heraldUnicastLost > 0 || verdicts.failed > 0 || extra.failures.length > 0) process.exitCode = 1;
  if (only) {
    console.log('\nBENCH_SCENARIOS is set: storage checks skipped.');
    return;
  }
  // After every measurement, on a Herald of its own, so neither the 10,000-user room nor the synthetic history weighs on the figures above.
  console.log('\nStorage checks:');
  const storage = await startHerald(db, jwtSecret, { name: 'herald-storage' });
  const oneRow = await showOneRowPerBroadcast(sql, storage.url, apiKey, config.roomUsers);
  await stopChild(storage.child);
  await synthesizeHistory(sql, config.history);
  await explainQueries(sql, users[0].id, config.backlog);
  if (!oneRow) process.exitCode = 1;
  console.log(`\nDone: ${lost} deliveries lost in all; cleaning up.`);
}

/** fan-out, unicast-max, unicast-paced, batch and replay: BENCH_SOCKETS sockets on each system, both connected at once. */
async function runSmallRoom(ctx: BenchContext, herald: RunningServer, baseline: RunningServer, selected: (name: string) => boolean, extra: ExtraResults): Promise<ScenarioResult[]> {
  const { config, users, workers, apiKey } = ctx;
  const needBaseline = [...WITH_BASELINE].some(selected);
  const connected: Record<SystemName, number[]> = {
    herald: (await connectSockets(workers, 'herald', herald.url, heraldSpecs(ctx, users), config, 'herald', herald.pid)).indices,
    baseline: needBaseline ? (await connectSockets(workers, 'baseline', baseline.url, baselineSpecs(users), config, 'baseline', baseline.pid)).indices : [],
  };

  // The same random recipients for both systems, among the sockets both have.
  const baselineHas = new Set(connected.baseline);
  const inBoth = needBaseline ? connected.herald.filter((i) => baselineHas.has(i)) : connected.herald;
  if (!inBoth.length) throw new Error(`No socket connected to ${needBaseline ? 'both systems' : 'Herald'} (see the connect errors above); nothing to measure.`);
  const random = seededRandom(config.seed);
  const unicastTargets = Array.from({ length: Math.max(config.unicastEvents, config.pacedEvents, config.batchEvents) }, () => inBoth[Math.floor(random() * inBoth.length)]);

  type Kind = 'fan-out' | 'unicast' | 'batch';
  const url = (system: SystemName) => (system === 'herald' ? herald.url : baseline.url);
  const send = (system: SystemName, kind: Kind) => (seq: number, data: BenchData) => {
    const userId = kind !== 'fan-out' ? users[unicastTargets[seq % unicastTargets.length]].id : undefined;
    const type = kind === 'fan-out' ? 'bench.fanout' : 'bench.unicast';
    const title = `Bench ${kind} ${seq}`;
    if (system === 'herald') {
      const to = userId ? { userIds: [userId] } : { rooms: ['orders'] };
      return postJson(`${herald.url}/api/push`, { to, type, title, data }, { 'x-api-key': apiKey });
    }
    const room = userId ? `user:${userId}` : 'orders';
    const payload = { id: String(seq + 1), type, title, body: '', data, room, source: 'push:bench', createdAt: new Date().toISOString(), readAt: null };
    return postJson(`${url(system)}/emit`, { room, event: 'notification', payload });
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
        void postJson(`${herald.url}/api/push/batch`, { items }, { 'x-api-key': apiKey }, (text) => {
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
  const results: ScenarioResult[] = [];
  for (const plan of plans.filter((p) => selected(p.scenario))) {
    for (const system of plan.systems) {
      const rateText = plan.rate >= 1_000_000 ? 'max rate' : `${plan.rate}/s`;
      console.log(`\n${plan.scenario} on ${system}: ${plan.events} events at ${rateText} to ${plan.kind === 'fan-out' ? `${connected[system].length} sockets each` : 'one random socket each'}`);
      results.push(
        await runScenario(
          {
            scenario: plan.scenario,
            system,
            pids: [system === 'herald' ? herald.pid : baseline.pid],
            database: system === 'herald' ? databaseName(ctx) : undefined,
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
  if (selected(REPLAY)) {
    try {
      extra.replay = await runReplay(ctx, herald, connected.herald);
      results.push(extra.replay.live);
    } catch (err) {
      if (stoppingEverything()) throw err;
      console.error(`  ${REPLAY} FAILED: ${(err as Error).message}`);
      extra.failures.push({ scenario: REPLAY, error: (err as Error).message });
    }
  }
  await workers.disconnect('herald');
  await workers.disconnect('baseline');
  return results;
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
