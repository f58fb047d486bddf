/**
 * The servers a bench run starts, all as children of the runner (see processes.ts: they stop with
 * it on every way out): Herald instances (herald-child.js), the bare Socket.IO baseline, and the
 * private redis-server of the two-instance scenario.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { BenchDatabase } from './database';
import { firstJsonLine, freePort, startChild, stopChild, waitForHttp } from './processes';

export interface RunningServer {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
}

export interface HeraldOptions {
  /** Prefix of its log lines, and how errors name it. */
  name?: string;
  /** Joins it to other instances through this Redis (the Socket.IO adapter, shared rate limits). */
  redisUrl?: string;
  /** Start it with --expose-gc, so collectGarbage() can force a full collection before a memory reading. */
  exposeGc?: boolean;
}

/**
 * Node flags of a measured server (Herald or the baseline): with BENCH_CPU_PROF_DIR it writes a V8 CPU profile of the
 * whole run there when it stops, named by its pid (open it in Chrome DevTools); --expose-gc for collectGarbage().
 */
function serverExecArgv(exposeGc = false): string[] {
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  return [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(exposeGc ? ['--expose-gc'] : [])];
}

/** Starts a Herald instance on the bench database and resolves once /health/ready answers 200 (Redis included when configured). */
export async function startHerald(database: BenchDatabase, jwtSecret: string, options: HeraldOptions = {}): Promise<RunningServer> {
  const name = options.name ?? 'herald';
  const port = await freePort();
  // A clean environment: nothing from the caller's shell (REDIS_URL, DATABASE_URL...) leaks into the run.
  const env: Record<string, string | undefined> = {
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
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
  };
  const child = startChild(join(__dirname, 'herald-child.js'), env, name, 'json', [], serverExecArgv(options.exposeGc));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health/ready`, child, 90_000);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${name} did not start: ${(err as Error).message}`);
  }
  return { name, url, pid: child.pid!, child };
}

/** Starts the bare Socket.IO server (baseline-server.js) and resolves once it says where it listens. */
export async function startBaseline(options: { name?: string; exposeGc?: boolean } = {}): Promise<RunningServer> {
  const name = options.name ?? 'baseline';
  const child = startChild(join(__dirname, 'baseline-server.js'), { PATH: process.env.PATH, PORT: '0' }, name, 'json', [], serverExecArgv(options.exposeGc));
  try {
    const { port } = await firstJsonLine<{ port: number }>(child, 'the baseline Socket.IO server', 30_000);
    return { name, url: `http://127.0.0.1:${port}`, pid: child.pid!, child };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/**
 * A private redis-server on a free loopback port, no persistence (redis-child.js runs it in the
 * foreground and stops it when the runner goes away). `pid` is redis-server's own.
 */
export async function startRedis(): Promise<RunningServer> {
  const port = await freePort();
  const child = startChild(join(__dirname, 'redis-child.js'), { PATH: process.env.PATH, REDIS_SERVER: process.env.BENCH_REDIS_SERVER }, 'redis', 'json', [String(port)]);
  try {
    const ready = await firstJsonLine<{ port: number; pid: number }>(child, `the private redis-server (port ${port}; is redis-server installed? BENCH_REDIS_SERVER names another binary)`, 20_000);
    return { name: 'redis', url: `redis://127.0.0.1:${ready.port}`, pid: ready.pid, child };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}
