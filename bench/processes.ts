/**
 * Child processes of the bench: starting them, watching their memory and CPU through /proc, and
 * stopping every one of them on the way out, whatever the way out is.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const children = new Set<ChildProcess>();

/** Starts a Node script of the bench as a child with an IPC channel (so it can notice our exit). */
export function startChild(
  script: string,
  env: Record<string, string | undefined>,
  name: string,
  serialization: 'json' | 'advanced' = 'json',
  args: string[] = [],
  execArgv: string[] = [],
): ChildProcess {
  const child = fork(script, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization, execArgv });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Their logs go to our stderr, prefixed, so a failure inside a child is visible where it happened.
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      if (!line.startsWith('{"')) process.stderr.write(`  [${name}] ${line}\n`);
    });
  }
  return child;
}

/** Resolves with the first stdout line that parses as JSON (how the baseline says where it listens). */
export function firstJsonLine<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready`));
    });
  });
}

/** A free TCP port on the loopback address (the OS picks it; we release it for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, or fails after `timeoutMs` (or as soon as the child exits). */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} while starting (see its log above)`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Peak resident memory of a process since start or since resetPeakRss(), in bytes. */
export const peakRss = (pid: number) => statusField(pid, 'VmHWM');
export const currentRss = (pid: number) => statusField(pid, 'VmRSS');

/** Resets VmHWM to the current RSS (Linux clear_refs "5"), so each scenario gets its own peak. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by each PostgreSQL backend serving `database` (found by process title,
 * e.g. "postgres: postgres herald_bench_1 127.0.0.1(5000) idle"), so Herald's database work is counted too.
 */
export function databaseBackendsCpu(database: string): Map<number, number> {
  const found = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return found;
  }
  for (const entry of entries) {
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.includes(` ${database} `)) found.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      /* gone in the meantime */
    }
  }
  return found;
}

/** CPU seconds the backends of `after` used since `before` (backends that started in between count from zero). */
export function backendsCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, cpu] of after) sum += cpu - (before.get(pid) ?? 0);
  return sum;
}

/** Busy and total jiffies of the whole machine: the difference of two readings gives its load. */
export function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

let stoppingAll = false;

/** True once stopAllChildren() began (Ctrl-C, an error, the end): work failing from then on is the clean-up, not a result. */
export const stoppingEverything = (): boolean => stoppingAll;

/** Stops every child still running: SIGTERM, then SIGKILL for those that did not exit in time. */
export async function stopAllChildren(graceMs = 5000): Promise<void> {
  stoppingAll = true;
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Stops one child (SIGTERM, then SIGKILL after `graceMs`); resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Asks a bench server child (herald-child.js, baseline-server.js, started with --expose-gc) for a full
 * garbage collection, so two memory readings compare like with like. Resolves false when the child
 * cannot (started without --expose-gc) or does not answer within `timeoutMs`.
 */
export function collectGarbage(child: ChildProcess, timeoutMs = 10_000): Promise<boolean> {
  if (!child.connected) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type !== 'bench:gc-done') return;
      finish((message as { ok?: unknown }).ok === true);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(ok);
    };
    child.on('message', onMessage);
    child.send({ type: 'bench:gc' });
  });
}

/** The soft and hard limits of open files of this process (`ulimit -n`), from /proc/self/limits. */
export function openFileLimits(): { soft: number; hard: number } {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const value = (text: string | undefined) => (text === undefined || text === 'unlimited' ? Infinity : Number(text));
  return { soft: value(line?.[1]), hard: value(line?.[2]) };
}

/**
 * Makes sure this process (and so every child it starts afterwards, which inherits the limit) may
 * open `needed` files. Node itself raises its soft limit to the hard one at start-up, so this mostly
 * checks the hard limit; where the soft one is still too low it is raised with prlimit(1). Throws,
 * saying what to do, when even the hard limit is too low (the server holding 10,000 sockets needs
 * over 10,000 descriptors whatever the number of client processes).
 */
export function ensureOpenFiles(needed: number, why: string): void {
  const { soft, hard } = openFileLimits();
  if (soft >= needed) return;
  if (hard < needed) {
    throw new Error(
      `${why} needs about ${needed.toLocaleString('en-US')} open files per process, but the hard limit (ulimit -Hn) is ${hard.toLocaleString('en-US')}: ` +
        'raise it (e.g. `ulimit -Hn 65536; ulimit -n 65536` as root, or LimitNOFILE in a unit), or lower the socket counts (BENCH_LARGE_SOCKETS, BENCH_SOCKETS).',
    );
  }
  const target = Number.isFinite(hard) ? hard : needed;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${Number.isFinite(hard) ? hard : 'unlimited'}`], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`${why} needs about ${needed} open files, the soft limit is ${soft} and raising it with prlimit failed (${(err as Error).message.split('\n')[0]}): run \`ulimit -n ${target}\` first.`);
  }
  const now = openFileLimits().soft;
  if (now < needed) throw new Error(`${why} needs about ${needed} open files; prlimit left the soft limit at ${now}: run \`ulimit -n ${target}\` first.`);
  console.log(`Raised this process's open-file soft limit from ${soft} to ${now} (hard limit ${hard}) for ${why}; the children inherit it.`);
}

/** How many ephemeral ports a client may use towards one server address (net.ipv4.ip_local_port_range). */
export function ephemeralPorts(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return high - low + 1;
  } catch {
    return Infinity;
  }
}

/** Last resort on a synchronous exit path: no waiting, just SIGKILL. */
export function killAllChildrenNow(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}
