/**
 * One scenario against one system: send events at a steady rate, wait for the deliveries (bounded
 * in time), then count what arrived against what should have, and how late.
 */
import { Agent, request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchData, ResultsReport, SystemName } from './protocol';
import { wallClock } from './protocol';
import { backendsCpuDelta, cpuSeconds, currentRss, databaseBackendsCpu, machineTicks, peakRss, resetPeakRss } from './processes';
import type { WorkerPool } from './workers';

/** How one event is sent to one system, `data` in its payload: resolves with the HTTP status (0 for a network error). */
export type Sender = (seq: number, data: BenchData) => Promise<number>;

export interface ScenarioSpec {
  scenario: string;
  system: SystemName;
  /** How the results table names the system, when not just `system` (e.g. "herald x2"). */
  systemLabel?: string;
  /** Pids of the server processes (one, or each instance of a cluster): their CPU is summed, so is their peak RSS. */
  pids: number[];
  /** The PostgreSQL database the server uses, if any: its backends' CPU is reported too. */
  database?: string;
  events: number;
  ratePerSecond: number;
  /** The socket indices that must receive event `seq`. */
  recipientsOf: (seq: number) => readonly number[];
  /** Highest socket index + 1, for the delivery bitmap. */
  socketSlots: number;
  send: Sender;
  /** The whole scenario (sending and waiting) stops after this, reporting what was lost. */
  timeoutMs: number;
  /** After sending, give up waiting once nothing has arrived for this long. */
  idleMs: number;
  /** When set, every delivery is written to a CSV file in this folder. */
  dumpDir?: string;
  /** Sends awaiting their answer at most (default 256). */
  maxInFlight?: number;
  /** Keep the first copy of every delivery (event and latency) in the result, for a look at a time window. */
  keepDeliveries?: boolean;
  /**
   * Stop sending once this answers true (checked before each send): `events` is then a maximum, and
   * only the events sent are due (and counted as the result's `events`).
   */
  until?: () => boolean;
}

export interface ScenarioResult {
  scenario: string;
  system: SystemName;
  systemLabel?: string;
  /** Server processes measured (their CPU summed). */
  instances: number;
  events: number;
  sent: number;
  sendErrors: Record<string, number>;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  misdelivered: number;
  perSecond: number;
  /** Sends answered 2xx. */
  accepted: number;
  /** Sends answered 2xx per second of the sending phase (first send to last answer). */
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  peakRssBytes: number;
  serverCpuSeconds: number;
  /** CPU of the PostgreSQL backends serving the system's database; NaN without one. */
  databaseCpuSeconds: number;
  clientCpuPercent: number[];
  machineBusyPercent: number;
  seconds: number;
  timedOut: boolean;
  /** With keepDeliveries: the first copy of each due delivery, as parallel arrays. */
  deliveries?: { seq: Int32Array; latencyMs: Float64Array };
}

const httpAgent = new Agent({ keepAlive: true, maxSockets: 32 });
const MAX_IN_FLIGHT = 256;

/**
 * POSTs JSON over a keep-alive connection; resolves with the status, 0 when the request failed.
 * The answer's body is read only when `onBody` wants it (the send loop does not).
 */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}, onBody?: (text: string) => void): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: httpAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => onBody && chunks.push(chunk));
      res.once('end', () => {
        try {
          onBody?.(Buffer.concat(chunks).toString('utf8'));
        } catch {
          /* an unreadable answer leaves the caller's default */
        }
        resolve(res.statusCode ?? 0);
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(0));
    req.end(text);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Every delivery as `seq,socket,latency_ms` (BENCH_DUMP_DIR), to look into a tail: when the slow ones were sent. */
function dumpDeliveries(file: string, results: ResultsReport[]): void {
  const lines = ['seq,socket,latency_ms'];
  for (const r of results) for (let i = 0; i < r.seq.length; i++) lines.push(`${r.seq[i]},${r.socketIndex[i]},${r.latencyMs[i].toFixed(3)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Lets the keep-alive connections go, so the runner can exit. */
export const closeHttp = () => httpAgent.destroy();

export async function runScenario(spec: ScenarioSpec, workers: WorkerPool): Promise<ScenarioResult> {
  const label = `${spec.scenario}/${spec.system}`;
  const dueUpTo = (events: number) => Array.from({ length: events }, (_, seq) => spec.recipientsOf(seq).length).reduce((a, b) => a + b, 0);
  let expected = dueUpTo(spec.events);
  let events = spec.events;
  if (!spec.pids.length) throw new Error(`${label}: no server pid to measure`);
  const peakResettable = spec.pids.map(resetPeakRss).every(Boolean);
  const sampledPeak = spec.pids.map(currentRss);
  const sampler = setInterval(() => spec.pids.forEach((pid, i) => (sampledPeak[i] = Math.max(sampledPeak[i], currentRss(pid)))), 100);
  const serverCpu = () => spec.pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
  const cpu0 = serverCpu();
  const backends0 = spec.database ? databaseBackendsCpu(spec.database) : new Map<number, number>();
  const machine0 = machineTicks();
  await workers.start(label);

  const started = wallClock();
  const deadline = started + spec.timeoutMs;
  const interval = 1000 / spec.ratePerSecond;
  const sendErrors: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let timedOut = false;
  let stoppedEarly = false;
  let lastReport = started;
  const report = async (phase: string) => {
    const { received, dropped } = await workers.progress();
    const extra = dropped ? `, ${dropped} sockets dropped` : '';
    console.log(`  ${label.padEnd(18)} ${phase} ${fmt(sent)}/${spec.until && events === spec.events ? 'at most ' : ''}${fmt(events)} events, ${fmt(received)}/${fmt(expected)} deliveries, ${((wallClock() - started) / 1000).toFixed(1)} s${extra}`);
    return received;
  };

  for (let seq = 0; seq < spec.events; seq++) {
    // Only when ahead of the rate: a timer always takes a millisecond or more, which would cap "max rate" at ~1,000/s.
    const ahead = started + seq * interval - wallClock();
    if (ahead > 0) await sleep(ahead);
    else if (seq % 64 === 0) await new Promise((r) => setImmediate(r));
    while (inFlight.size >= (spec.maxInFlight ?? MAX_IN_FLIGHT) && wallClock() < deadline) await Promise.race(inFlight);
    if (wallClock() >= deadline) {
      timedOut = true;
      break;
    }
    if (spec.until?.()) {
      stoppedEarly = true;
      break;
    }
    const p = spec.send(seq, { bench: label, seq, sentAt: wallClock() }).then((status) => {
      if (status < 200 || status >= 300) {
        const key = status ? `HTTP ${status}` : 'network error';
        sendErrors[key] = (sendErrors[key] ?? 0) + 1;
      }
      inFlight.delete(p);
    });
    inFlight.add(p);
    sent++;
    if (wallClock() - lastReport >= 2000) {
      lastReport = wallClock();
      await report('sent');
    }
  }
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(inFlight), new Promise((r) => (giveUp = setTimeout(r, Math.max(0, deadline - wallClock()))))]);
  clearTimeout(giveUp);
  const sendSeconds = (wallClock() - started) / 1000;
  if (stoppedEarly) {
    events = sent;
    expected = dueUpTo(sent);
  }

  // Wait for the deliveries: until all arrived, nothing arrived for idleMs, or the deadline.
  let received = 0;
  let lastChange = wallClock();
  for (;;) {
    const now = await workers.progress();
    if (now.received !== received) lastChange = wallClock();
    received = now.received;
    if (received >= expected) break;
    if (wallClock() - lastChange >= spec.idleMs) break;
    if (wallClock() >= deadline) {
      timedOut = true;
      break;
    }
    if (wallClock() - lastReport >= 2000) {
      lastReport = wallClock();
      await report('waiting,');
    }
    await sleep(100);
  }
  await report(timedOut ? 'TIMED OUT after' : 'done,');

  const results = await workers.collect();
  clearInterval(sampler);
  const machine1 = machineTicks();
  const serverCpuSeconds = serverCpu() - cpu0;
  const databaseCpuSeconds = spec.database ? backendsCpuDelta(backends0, databaseBackendsCpu(spec.database)) : NaN;
  const peakRssBytes = spec.pids.reduce((a, pid, i) => a + Math.max(sampledPeak[i], peakResettable ? peakRss(pid) : 0), 0);

  // Which (socket, event) pairs were due, which arrived, once or more, and how late the first copy was.
  const slots = spec.socketSlots;
  const due = new Uint8Array(slots * spec.events);
  for (let seq = 0; seq < sent; seq++) for (const s of spec.recipientsOf(seq)) due[seq * slots + s] = 1;
  const seen = new Uint8Array(slots * spec.events);
  const latencies: number[] = [];
  const firstSeqs: number[] = [];
  let duplicates = 0;
  let misdelivered = 0;
  let lastReceivedAt = started;
  for (const r of results) {
    lastReceivedAt = Math.max(lastReceivedAt, r.lastReceivedAt);
    for (let i = 0; i < r.seq.length; i++) {
      const key = r.seq[i] * slots + r.socketIndex[i];
      if (r.seq[i] < 0 || r.seq[i] >= spec.events || !due[key]) misdelivered++;
      else if (seen[key]) duplicates++;
      else {
        seen[key] = 1;
        latencies.push(r.latencyMs[i]);
        if (spec.keepDeliveries) firstSeqs.push(r.seq[i]);
      }
    }
  }
  if (spec.dumpDir) dumpDeliveries(join(spec.dumpDir, `${spec.scenario}-${spec.system}.csv`), results);
  const sorted = Float64Array.from(latencies).sort();
  const seconds = (lastReceivedAt - started) / 1000;
  const elapsed = (wallClock() - started) / 1000;
  return {
    scenario: spec.scenario,
    system: spec.system,
    systemLabel: spec.systemLabel,
    instances: spec.pids.length,
    events,
    sent,
    sendErrors,
    expected,
    delivered: latencies.length,
    lost: expected - latencies.length,
    duplicates,
    misdelivered,
    perSecond: seconds > 0 ? latencies.length / seconds : 0,
    accepted: sent - Object.values(sendErrors).reduce((a, b) => a + b, 0),
    acceptedPerSecond: (sent - Object.values(sendErrors).reduce((a, b) => a + b, 0)) / Math.max(sendSeconds, 1e-3),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    peakRssBytes,
    serverCpuSeconds,
    databaseCpuSeconds,
    clientCpuPercent: results.map((r) => (100 * r.cpuMs) / 1000 / elapsed),
    machineBusyPercent: (100 * (machine1.busy - machine0.busy)) / Math.max(1, machine1.total - machine0.total),
    seconds,
    timedOut,
    ...(spec.keepDeliveries ? { deliveries: { seq: Int32Array.from(firstSeqs), latencyMs: Float64Array.from(latencies) } } : {}),
  };
}
