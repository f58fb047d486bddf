import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './built-server';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Why Redis fault tests cannot run here (no redis-server binary), or undefined when they can.
 * In CI a missing binary is an error, never a skip.
 */
export function privateRedisUnavailable(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (!probe.error && probe.status === 0) return undefined;
  const reason = 'redis-server is not installed (needed to start a private Redis that the test may kill)';
  if (inCi) throw new Error(`${reason}, and CI requires it.`);
  return reason;
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** Whether the server process is running now. */
  readonly running: boolean;
  /** Starts (or restarts) redis-server on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** kill -9, as a crash would; resolves once the process has exited. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that keeps its connections open but answers nothing (a stall, a partition). */
  pause(): void;
  resume(): void;
}

/**
 * A redis-server of one test alone, on a free port, with no persistence (a restart comes back
 * empty, as a crashed cache would). Not started: call start().
 */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return running();
    },
    async start() {
      if (running()) return;
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      await waitForPort(port, proc);
    },
    pause() {
      if (running()) child!.kill('SIGSTOP');
    },
    resume() {
      if (running()) child!.kill('SIGCONT');
    },
    async kill() {
      if (!running()) return;
      child!.kill('SIGCONT'); // a stopped process still dies on SIGKILL; this only keeps the exit prompt
      child!.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitForPort(port: number, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not start within 5 s`);
}
