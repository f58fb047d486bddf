/** The bench's settings: defaults sized for the 2-core machine, each overridable by a BENCH_* variable. */

export interface BenchConfig {
  /**
   * Sockets per system in the 1,000-socket scenarios, where Herald's and the baseline's sockets are
   * connected at the same time: one client process then holds 2 x sockets / BENCH_WORKERS of them,
   * so with BENCH_WORKERS=1 the cap of 9,000 keeps it (18,000 sockets) under this machine's open-file
   * limit of 20,000 (ulimit -n) and the 2 x 9,000 loopback connections within the 28,232 ephemeral ports.
   * The 10,000-socket scenarios use largeSockets instead and connect one system at a time.
   */
  sockets: number;
  fanoutEvents: number;
  fanoutRate: number;
  unicastEvents: number;
  unicastRate: number;
  /** Unicast pushes sent at unicastRate, for the paced latency target. */
  pacedEvents: number;
  /** Notifications sent by batch push, in calls of batchSize. */
  batchEvents: number;
  batchSize: number;
  workers: number;
  connectConcurrency: number;
  /** Users in the `orders` room for the one-row broadcast check (issue 3 says 10,000). */
  roomUsers: number;
  /** Notifications added with SQL before the EXPLAINs, so the plans are those of a real history. */
  history: number;
  /** Ids the EXPLAINed reader missed (replay from there; count unread since there). */
  backlog: number;
  /** Sockets (and users) of fan-out-10k and memory-10k, connected to one system at a time. */
  largeSockets: number;
  /** Events of fan-out-10k, sent at largeFanoutRate per second. */
  largeFanoutEvents: number;
  largeFanoutRate: number;
  /** memory-10k: how long to let the process settle after the broadcast before the memory reading. */
  memorySettleMs: number;
  /** replay: notifications the offline user misses (written with POST /api/push/batch in calls of batchSize). */
  replayBacklog: number;
  /**
   * replay: unicast pushes to the other sockets at replayLiveRate per second, from replayDelayMs before
   * the replaying socket connects until 1 s after its replay ended: at most this many.
   */
  replayLiveEvents: number;
  replayLiveRate: number;
  /** replay: how long the live pushes run before the replaying socket connects. */
  replayDelayMs: number;
  /** two-instances: unicast pushes at max rate, half to each instance. */
  twoInstanceEvents: number;
  scenarioTimeoutS: number;
  idleS: number;
  adminDatabaseUrl: string;
  seed: number;
  /** Folder to write every delivery to, as CSV (unset: none written). */
  dumpDir?: string;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)}: must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const fanoutEvents = int(env, 'BENCH_FANOUT_EVENTS', 200, 1, 100_000);
  const unicastEvents = int(env, 'BENCH_UNICAST_EVENTS', 5000, 1, 1_000_000);
  const fanoutRate = int(env, 'BENCH_FANOUT_RATE', 20, 1, 10_000);
  const unicastRate = int(env, 'BENCH_UNICAST_RATE', 1000, 1, 100_000);
  const replayLiveRate = int(env, 'BENCH_REPLAY_LIVE_RATE', 200, 1, 10_000);
  return {
    sockets: int(env, 'BENCH_SOCKETS', 1000, 1, 9000),
    fanoutEvents,
    fanoutRate,
    unicastEvents,
    unicastRate,
    pacedEvents: int(env, 'BENCH_PACED_EVENTS', 5000, 1, 1_000_000),
    batchEvents: int(env, 'BENCH_BATCH_EVENTS', 20_000, 1, 1_000_000),
    batchSize: int(env, 'BENCH_BATCH_SIZE', 1000, 1, 1000),
    workers: int(env, 'BENCH_WORKERS', 2, 1, 8),
    connectConcurrency: int(env, 'BENCH_CONNECT_CONCURRENCY', 50, 1, 1000),
    roomUsers: int(env, 'BENCH_ROOM_USERS', 10_000, 1, 1_000_000),
    history: int(env, 'BENCH_HISTORY', 100_000, 0, 10_000_000),
    backlog: int(env, 'BENCH_BACKLOG', 10_000, 1, 10_000_000),
    largeSockets: int(env, 'BENCH_LARGE_SOCKETS', 10_000, 1, 25_000),
    largeFanoutEvents: int(env, 'BENCH_LARGE_FANOUT_EVENTS', 20, 1, 10_000),
    largeFanoutRate: int(env, 'BENCH_LARGE_FANOUT_RATE', 2, 1, 1000),
    memorySettleMs: int(env, 'BENCH_MEMORY_SETTLE_MS', 2000, 0, 60_000),
    replayBacklog: int(env, 'BENCH_REPLAY_BACKLOG', 50_000, 1, 1_000_000),
    replayLiveRate,
    replayLiveEvents: int(env, 'BENCH_REPLAY_LIVE_EVENTS', replayLiveRate * 130, 1, 10_000_000),
    replayDelayMs: int(env, 'BENCH_REPLAY_DELAY_MS', 2000, 0, 60_000),
    twoInstanceEvents: int(env, 'BENCH_TWO_INSTANCE_EVENTS', unicastEvents, 2, 1_000_000),
    scenarioTimeoutS: int(env, 'BENCH_SCENARIO_TIMEOUT', 0, 0, 3600),
    idleS: int(env, 'BENCH_IDLE_TIMEOUT', 10, 1, 600),
    adminDatabaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    seed: int(env, 'BENCH_SEED', 42, 0, 2 ** 31 - 1),
    dumpDir: env.BENCH_DUMP_DIR || undefined,
  };
}

/** Time allowed for a scenario: its sending time, plus a minute to drain (unless BENCH_SCENARIO_TIMEOUT says otherwise). */
export function scenarioTimeoutMs(config: BenchConfig, events: number, rate: number): number {
  return config.scenarioTimeoutS > 0 ? config.scenarioTimeoutS * 1000 : Math.ceil((events / rate) * 1000) + 60_000;
}

/** A small seeded generator, so Herald and the baseline get the same "random" recipients. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
