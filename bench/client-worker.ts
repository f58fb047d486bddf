/**
 * A bench client process: holds its share of the Socket.IO client sockets and records every
 * `notification` of the current scenario (which socket, which event, how late). Started by run.ts
 * with an IPC channel; it exits by itself when the runner goes away.
 */
import { io, type Socket } from 'socket.io-client';
import type { BenchData, FromWorker, ReplayReport, SocketSpec, SystemName, ToWorker } from './protocol';
import { wallClock } from './protocol';

/** A growable column of numbers: deliveries are recorded without allocating per message. */
class Column<T extends Int32Array | Float64Array> {
  private length = 0;
  constructor(private data: T) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  take(): T {
    return this.data.slice(0, this.length) as T;
  }
}

const sockets = new Map<SystemName, Socket[]>();
let scenario: string | null = null;
let socketIndex = new Column(new Int32Array(1 << 16));
let seqs = new Column(new Int32Array(1 << 16));
let latencies = new Column(new Float64Array(1 << 16));
let received = 0;
let dropped = 0;
let lastReceivedAt = 0;
let cpuAtStart = process.cpuUsage();

const send = (message: FromWorker) => process.send?.(message);

function onNotification(index: number, payload: unknown): void {
  const data = (payload as { data?: Partial<BenchData> } | null)?.data;
  if (!data || data.bench !== scenario || typeof data.seq !== 'number' || typeof data.sentAt !== 'number') return;
  const now = wallClock();
  socketIndex.push(index);
  seqs.push(data.seq);
  latencies.push(now - data.sentAt);
  lastReceivedAt = now;
  received++;
}

function openOne(url: string, spec: SocketSpec, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth: spec.auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: timeoutMs });
    socket.on('notification', (payload: unknown) => onNotification(spec.index, payload));
    socket.once('connect', () => {
      socket.on('disconnect', (reason) => {
        if (reason !== 'io client disconnect') dropped++;
      });
      resolve(socket);
    });
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.close();
      reject(new Error(err.data?.code ? `${err.message} (${err.data.code})` : err.message));
    });
  });
}

async function connect(system: SystemName, url: string, specs: SocketSpec[], concurrency: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  const open: Socket[] = [];
  const indices: number[] = [];
  const errors = new Set<string>();
  let failed = 0;
  let next = 0;
  // A bounded number of handshakes in flight, like a crowd of browsers arriving, not a SYN flood.
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      try {
        open.push(await openOne(url, spec, timeoutMs));
        indices.push(spec.index);
      } catch (err) {
        failed++;
        if (errors.size < 5) errors.add((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  sockets.set(system, [...(sockets.get(system) ?? []), ...open]);
  send({ type: 'connected', system, indices, failed, errors: [...errors], ms: Date.now() - started });
}

function start(name: string): void {
  scenario = name;
  socketIndex = new Column(new Int32Array(1 << 16));
  seqs = new Column(new Int32Array(1 << 16));
  latencies = new Column(new Float64Array(1 << 16));
  received = 0;
  lastReceivedAt = 0;
  cpuAtStart = process.cpuUsage();
}

function collect(): void {
  const cpu = process.cpuUsage(cpuAtStart);
  scenario = null;
  send({
    type: 'results',
    socketIndex: socketIndex.take(),
    seq: seqs.take(),
    latencyMs: latencies.take(),
    lastReceivedAt,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
}

/**
 * One socket with a cursor: times its handshake and its replay (every `notification` until
 * `replay:done`), records the ids it got in arrival order, then closes. It is not one of the
 * scenario's sockets: what it gets is not counted as the scenario's deliveries.
 */
function replay(url: string, auth: Record<string, string>, timeoutMs: number): void {
  const cpu0 = process.cpuUsage();
  const ids = new Column(new Float64Array(1 << 16));
  const report: Omit<ReplayReport, 'ids' | 'cpuMs'> = {
    type: 'replayed',
    startedAt: wallClock(),
    connectedAt: 0,
    firstNotificationAt: 0,
    lastNotificationAt: 0,
    replayDoneAt: 0,
    replayDone: null,
  };
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.close();
    const cpu = process.cpuUsage(cpu0);
    send({ ...report, ids: ids.take(), cpuMs: (cpu.user + cpu.system) / 1000, ...(error ? { error } : {}) });
  };
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: timeoutMs });
  const timer = setTimeout(() => finish(`no replay:done within ${timeoutMs / 1000} s`), timeoutMs);
  socket.on('notification', (payload: { id?: unknown } | null) => {
    const now = wallClock();
    if (!report.firstNotificationAt) report.firstNotificationAt = now;
    report.lastNotificationAt = now;
    ids.push(Number(payload?.id));
  });
  socket.on('replay:done', (payload: ReplayReport['replayDone']) => {
    report.replayDoneAt = wallClock();
    report.replayDone = payload;
    finish();
  });
  socket.once('connect', () => (report.connectedAt = wallClock()));
  socket.on('session:closed', (payload: { reason?: string; message?: string } | null) => finish(`the server closed the session: ${payload?.reason} (${payload?.message})`));
  socket.on('disconnect', (reason) => finish(`disconnected before replay:done (${reason})`));
  socket.once('connect_error', (err: Error & { data?: { code?: string } }) => finish(`connect_error: ${err.data?.code ? `${err.message} (${err.data.code})` : err.message}`));
}

function disconnect(system: SystemName): void {
  for (const socket of sockets.get(system) ?? []) socket.disconnect();
  sockets.delete(system);
  send({ type: 'disconnected', system });
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'connect':
      void connect(message.system, message.url, message.sockets, message.concurrency, message.timeoutMs);
      break;
    case 'start':
      start(message.scenario);
      break;
    case 'progress':
      send({ type: 'progress', received, dropped });
      break;
    case 'collect':
      collect();
      break;
    case 'disconnect':
      disconnect(message.system);
      break;
    case 'replay':
      replay(message.url, message.auth, message.timeoutMs);
      break;
  }
});

// The runner is gone (finished, crashed or killed): nothing left to measure for.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
