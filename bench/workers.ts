/**
 * The pool of client worker processes, seen from the runner: connect sockets through them, start a
 * scenario on all of them, ask how much they received, collect what they recorded.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ConnectReport, FromWorker, ReplayReport, ResultsReport, SocketSpec, SystemName, ToWorker } from './protocol';
import { startChild } from './processes';

interface Worker {
  child: ChildProcess;
  /** Replies arrive in the order requests were sent (one IPC channel per worker), so a FIFO of waiters is enough. */
  waiters: Array<{ type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void }>;
}

export class WorkerPool {
  private constructor(private readonly workers: Worker[]) {}

  static async start(count: number): Promise<WorkerPool> {
    const workers = Array.from({ length: count }, (_, i): Worker => {
      const child = startChild(join(__dirname, 'client-worker.js'), { ...process.env }, `clients-${i + 1}`, 'advanced');
      const worker: Worker = { child, waiters: [] };
      child.on('message', (message: FromWorker) => {
        const at = worker.waiters.findIndex((w) => w.type === message.type);
        if (at >= 0) worker.waiters.splice(at, 1)[0].resolve(message);
      });
      child.once('exit', (code, signal) => {
        for (const w of worker.waiters.splice(0)) w.reject(new Error(`client worker ${i + 1} exited (${signal ?? code}) while the bench waited for it`));
      });
      return worker;
    });
    const pool = new WorkerPool(workers);
    await Promise.all(workers.map((w) => pool.request(w, null, 'ready')));
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0);
  }

  private request<T extends FromWorker>(worker: Worker, message: ToWorker | null, replyType: T['type']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (message && !worker.child.connected) return reject(new Error('a client worker has stopped'));
      worker.waiters.push({ type: replyType, resolve: resolve as (m: FromWorker) => void, reject });
      if (message) worker.child.send(message);
    });
  }

  /** Opens the sockets, dealt round-robin over the workers; answers per-worker reports. */
  async connect(system: SystemName, url: string, specs: SocketSpec[], concurrency: number, timeoutMs: number): Promise<ConnectReport[]> {
    const shares = this.workers.map((_, i) => specs.filter((_s, j) => j % this.workers.length === i));
    const perWorker = Math.max(1, Math.ceil(concurrency / this.workers.length));
    return Promise.all(
      this.workers.map((w, i) =>
        this.request<ConnectReport>(w, { type: 'connect', system, url, sockets: shares[i], concurrency: perWorker, timeoutMs }, 'connected'),
      ),
    );
  }

  /** Starts recording `scenario`; resolves once every worker has taken it in (the progress reply follows the start). */
  async start(scenario: string): Promise<void> {
    for (const w of this.workers) if (w.child.connected) w.child.send({ type: 'start', scenario } satisfies ToWorker);
    await this.progress();
  }

  async progress(): Promise<{ received: number; dropped: number }> {
    const reports = await Promise.all(this.workers.map((w) => this.request<Extract<FromWorker, { type: 'progress' }>>(w, { type: 'progress' }, 'progress')));
    return { received: reports.reduce((a, r) => a + r.received, 0), dropped: reports.reduce((a, r) => a + r.dropped, 0) };
  }

  collect(): Promise<ResultsReport[]> {
    return Promise.all(this.workers.map((w) => this.request<ResultsReport>(w, { type: 'collect' }, 'results')));
  }

  /** Has worker `index` open one socket with a cursor and take its replay (see client-worker.ts replay()). */
  replay(index: number, url: string, auth: Record<string, string>, timeoutMs: number): Promise<ReplayReport> {
    const worker = this.workers[index % this.workers.length];
    return this.request<ReplayReport>(worker, { type: 'replay', url, auth, timeoutMs }, 'replayed');
  }

  async disconnect(system: SystemName): Promise<void> {
    await Promise.all(this.workers.map((w) => this.request(w, { type: 'disconnect', system }, 'disconnected')));
  }
}
