/** The results table, and the Herald / baseline ratios under it; the memory and replay figures; issue 10's targets. */
import type { SystemName } from './protocol';
import type { ScenarioResult } from './scenario';

/** memory-10k on one system: RSS readings of the server process (bytes), and the broadcast that reached the sockets. */
export interface MemoryResult {
  system: SystemName;
  sockets: number;
  connected: number;
  connectFailures: string[];
  /** Sockets that dropped between connecting and the last reading. */
  dropped: number;
  /** Whether the full collections before the readings could be forced (--expose-gc). */
  gcForced: boolean;
  /** Before connecting: before and after a full collection. */
  rssBeforeRawBytes: number;
  rssBeforeBytes: number;
  /** Connected, BENCH_MEMORY_SETTLE_MS after the broadcast arrived everywhere; then after a full collection. */
  rssSettledBytes: number;
  rssAfterBytes: number;
  broadcast: ScenarioResult;
}

/** The replay scenario (Herald only). Times in ms from io() on the replaying socket; NaN for what did not happen. */
export interface ReplayResult {
  userId: string;
  cursor: string;
  backlog: number;
  written: number;
  writeSeconds: number;
  writeErrors: Record<string, number>;
  received: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  outOfOrder: number;
  handshakeMs: number;
  toFirstMs: number;
  toLastMs: number;
  toDoneMs: number;
  replayDone: { count: number; lastId: string | null; position: string } | null;
  error?: string;
  clientCpuMs: number;
  /** The live unicast pushes to the other sockets, the whole of them. */
  live: ScenarioResult;
  /** Of those, the ones sent from io() of the replaying socket to its last notification or replay:done. */
  liveDuringSent: number;
  liveDuringDelivered: number;
  liveDuringP99: number;
  liveDuringMax: number;
  /** False when the live pushes stopped before the replay ended. */
  liveCoveredReplay: boolean;
}

export interface TwoInstanceResult {
  result: ScenarioResult;
  /** Accepted pushes per second of the sending phase, per instance (A, B). */
  perInstance: number[];
  /** Pushes sent to one instance for a user whose socket was on the other. */
  crossing: number;
  connected: number[];
  connectFailures: number;
  connectErrors: string[];
}

/** What the scenarios beyond the 1,000-socket ones measured; `failures` are those that could not run to the end. */
export interface ExtraResults {
  memory: MemoryResult[];
  replay?: ReplayResult;
  twoInstances?: TwoInstanceResult;
  failures: Array<{ scenario: string; error: string }>;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
const mb = (bytes: number) => fmt(bytes / 1024 / 1024, 0);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function printResults(results: ScenarioResult[]): void {
  if (!results.length) return;
  console.log(
    '\n' +
      table(
        ['scenario', 'system', 'deliveries', 'lost', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'peak RSS MB', 'server CPU s', 'DB CPU s', 'srv+DB ms/event', 'clients CPU %', 'machine busy %'],
        results.map((r) => [
          r.scenario,
          r.systemLabel ?? r.system,
          `${fmt(r.delivered)}/${fmt(r.expected)}`,
          fmt(r.lost),
          fmt(r.perSecond),
          fmt(r.p50, 1),
          fmt(r.p99, 1),
          fmt(r.max, 1),
          mb(r.peakRssBytes),
          fmt(r.serverCpuSeconds, 1),
          fmt(r.databaseCpuSeconds, 1),
          fmt(r.sent ? (1000 * (r.serverCpuSeconds + (Number.isNaN(r.databaseCpuSeconds) ? 0 : r.databaseCpuSeconds))) / r.sent : NaN, 2),
          r.clientCpuPercent.map((c) => fmt(c)).join('+'),
          fmt(r.machineBusyPercent),
        ]),
      ),
  );
  const ratioRows: string[][] = [];
  for (const scenario of [...new Set(results.map((r) => r.scenario))]) {
    const herald = results.find((r) => r.scenario === scenario && r.system === 'herald');
    const base = results.find((r) => r.scenario === scenario && r.system === 'baseline');
    if (!herald || !base) continue;
    const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? `${fmt(a / b, 2)}x` : '-');
    const totalCpu = (r: ScenarioResult) => r.serverCpuSeconds + (Number.isNaN(r.databaseCpuSeconds) ? 0 : r.databaseCpuSeconds);
    ratioRows.push([
      scenario,
      'herald / baseline',
      ratio(herald.perSecond, base.perSecond),
      ratio(herald.p50, base.p50),
      ratio(herald.p99, base.p99),
      ratio(herald.peakRssBytes, base.peakRssBytes),
      ratio(herald.serverCpuSeconds, base.serverCpuSeconds),
      ratio(totalCpu(herald), totalCpu(base)),
    ]);
  }
  if (ratioRows.length) console.log(`\n${table(['scenario', 'ratio', 'deliveries/s', 'p50', 'p99', 'peak RSS', 'server CPU', 'server+DB CPU'], ratioRows)}`);

  for (const r of results) {
    const notes: string[] = [];
    if (r.sent < r.events) notes.push(`only ${r.sent} of ${r.events} events sent`);
    const errors = Object.entries(r.sendErrors);
    if (errors.length) notes.push(`send errors: ${errors.map(([k, v]) => `${k} x${v}`).join(', ')}`);
    if (r.duplicates) notes.push(`${fmt(r.duplicates)} duplicate deliveries`);
    if (r.misdelivered) notes.push(`${fmt(r.misdelivered)} deliveries to sockets that should not get them`);
    if (r.timedOut) notes.push('timed out');
    if (notes.length) console.log(`  note ${r.scenario}/${r.system}: ${notes.join('; ')}`);
  }
}

const kb = (bytes: number) => fmt(bytes / 1024, 1);
const perConnection = (m: MemoryResult) => (m.connected ? (m.rssAfterBytes - m.rssBeforeBytes) / m.connected : NaN);
const perConnectionSettled = (m: MemoryResult) => (m.connected ? (m.rssSettledBytes - m.rssBeforeRawBytes) / m.connected : NaN);

/** The memory readings of memory-10k, both systems. */
export function printMemory(memory: MemoryResult[]): void {
  if (!memory.length) return;
  console.log(
    `\nMemory (RSS of the server process, /proc/<pid>/status VmRSS; "gc" = after a forced full collection):\n${table(
      ['system', 'sockets', 'before MB', 'before gc MB', 'settled MB', 'after gc MB', 'KB/conn (gc)', 'KB/conn (no gc)', 'broadcast', 'dropped'],
      memory.map((m) => [
        m.system,
        `${fmt(m.connected)}/${fmt(m.sockets)}`,
        mb(m.rssBeforeRawBytes),
        m.gcForced ? mb(m.rssBeforeBytes) : 'not forced',
        mb(m.rssSettledBytes),
        m.gcForced ? mb(m.rssAfterBytes) : 'not forced',
        kb(perConnection(m)),
        kb(perConnectionSettled(m)),
        `${fmt(m.broadcast.delivered)}/${fmt(m.broadcast.expected)}`,
        fmt(m.dropped),
      ]),
    )}`,
  );
  const h = memory.find((m) => m.system === 'herald');
  const b = memory.find((m) => m.system === 'baseline');
  if (h && b) {
    console.log(
      `  herald / baseline per connection: ${fmt(perConnection(h) / perConnection(b), 2)}x after a full collection, ` +
        `${fmt(perConnectionSettled(h) / perConnectionSettled(b), 2)}x without (settled reading minus the reading before connecting)`,
    );
  }
}

/** One target of issue 10: Herald's figure, the bare server's from the same run, the ratio and the verdict. */
interface Target {
  name: string;
  herald: string;
  bare: string;
  ratio: string;
  goal: string;
  verdict: 'PASS' | 'FAIL' | 'NOT RUN';
  why?: string;
}

const cpuPerEvent = (r: ScenarioResult) =>
  r.sent ? (1000 * (r.serverCpuSeconds + (Number.isNaN(r.databaseCpuSeconds) ? 0 : r.databaseCpuSeconds))) / r.sent : NaN;

/** Prints every target with its ratio and PASS/FAIL; answers how many did not pass. */
export function printTargets(results: ScenarioResult[], extra: ExtraResults = { memory: [], failures: [] }): { failed: number } {
  const find = (scenario: string, system: 'herald' | 'baseline') => results.find((r) => r.scenario === scenario && r.system === system);
  const targets: Target[] = [];
  const clean = (r: ScenarioResult) => r.lost === 0 && r.duplicates === 0 && r.misdelivered === 0 && r.accepted === r.events;
  const lossNote = (r: ScenarioResult) => (clean(r) ? '' : ` (lost ${r.lost}, duplicated ${r.duplicates}, refused ${r.events - r.accepted})`);

  const uh = find('unicast-max', 'herald');
  const ub = find('unicast-max', 'baseline');
  if (uh && ub) {
    const ratio = uh.acceptedPerSecond / ub.acceptedPerSecond;
    targets.push({
      name: 'unicast max rate: accepted pushes/s',
      herald: fmt(uh.acceptedPerSecond),
      bare: fmt(ub.acceptedPerSecond),
      ratio: `${fmt(ratio, 2)}x`,
      goal: '>= 0.5x, 0 lost, 0 dup',
      verdict: ratio >= 0.5 && clean(uh) ? 'PASS' : 'FAIL',
      why: lossNote(uh) || undefined,
    });
    const cpu = cpuPerEvent(uh) / cpuPerEvent(ub);
    targets.push({
      name: 'unicast max rate: server+DB CPU ms/push',
      herald: fmt(cpuPerEvent(uh), 2),
      bare: fmt(cpuPerEvent(ub), 2),
      ratio: `${fmt(cpu, 2)}x`,
      goal: '<= 3x',
      verdict: cpu <= 3 ? 'PASS' : 'FAIL',
    });
  }
  const ph = find('unicast-paced', 'herald');
  const pb = find('unicast-paced', 'baseline');
  if (ph && pb) {
    targets.push({
      name: 'paced unicast: publish->delivery p99 ms',
      herald: fmt(ph.p99, 1),
      bare: fmt(pb.p99, 1),
      ratio: `${fmt(ph.p99 / pb.p99, 2)}x`,
      goal: '<= 50 ms',
      verdict: ph.p99 <= 50 && clean(ph) ? 'PASS' : 'FAIL',
      why: lossNote(ph) || undefined,
    });
  }
  const bh = find('batch', 'herald');
  if (bh) {
    const delivered = Math.min(bh.perSecond, bh.acceptedPerSecond);
    targets.push({
      name: 'batch push: notifications/s committed+delivered',
      herald: fmt(delivered),
      bare: ub ? fmt(ub.acceptedPerSecond) : '-',
      ratio: ub ? `${fmt(delivered / ub.acceptedPerSecond, 2)}x` : '-',
      goal: '>= 20,000/s',
      verdict: delivered >= 20_000 && clean(bh) ? 'PASS' : 'FAIL',
      why: lossNote(bh) || undefined,
    });
  }
  const fh = find('fan-out', 'herald');
  const fb = find('fan-out', 'baseline');
  if (fh && fb) {
    const per = (r: ScenarioResult) => (r.delivered ? (1000 * r.serverCpuSeconds) / r.delivered : NaN);
    const ratio = per(fh) / per(fb);
    targets.push({
      name: `fan-out ${fmt(fh.expected / Math.max(1, fh.events))} sockets: server CPU us/delivery`,
      herald: fmt(1000 * per(fh), 1),
      bare: fmt(1000 * per(fb), 1),
      ratio: `${fmt(ratio, 2)}x`,
      goal: '<= 1.0x, 0 lost',
      verdict: ratio <= 1.0 && fh.lost === 0 ? 'PASS' : 'FAIL',
      why: lossNote(fh) || undefined,
    });
  }
  const failure = (scenario: string) => extra.failures.filter((f) => f.scenario === scenario).map((f) => f.error).join('; ');
  const failedRow = (name: string, goal: string, scenario: string) => targets.push({ name, herald: '-', bare: '-', ratio: '-', goal, verdict: 'FAIL', why: `(could not run: ${failure(scenario)})` });

  // Fan-out at 10,000 sockets: server CPU per delivery against the bare room emit, every delivery there.
  const bh10 = find('fan-out-10k', 'herald');
  const bb10 = find('fan-out-10k', 'baseline');
  const goal10 = '<= 1.0x, 0 lost';
  if (bh10 && bb10) {
    const per = (r: ScenarioResult) => (r.delivered ? (1e6 * r.serverCpuSeconds) / r.delivered : NaN);
    const ratio = per(bh10) / per(bb10);
    const sockets = (r: ScenarioResult) => r.expected / Math.max(1, r.sent);
    const notes = [lossNote(bh10).trim(), sockets(bh10) !== sockets(bb10) ? `(herald had ${fmt(sockets(bh10))} sockets, bare ${fmt(sockets(bb10))})` : ''].filter(Boolean).join(' ');
    targets.push({
      name: `fan-out ${fmt(sockets(bh10))} sockets: server CPU us/delivery`,
      herald: fmt(per(bh10), 1),
      bare: fmt(per(bb10), 1),
      ratio: `${fmt(ratio, 2)}x`,
      goal: goal10,
      verdict: ratio <= 1.0 && clean(bh10) ? 'PASS' : 'FAIL',
      why: notes || undefined,
    });
  } else if (failure('fan-out-10k')) failedRow('fan-out 10,000 sockets: server CPU us/delivery', goal10, 'fan-out-10k');

  // Memory at 10,000 sockets: RSS per connection, both readings after a forced full collection.
  const mh = extra.memory.find((m) => m.system === 'herald');
  const mbare = extra.memory.find((m) => m.system === 'baseline');
  const goalMem = '<= 1.25x';
  if (mh && mbare) {
    const ratio = perConnection(mh) / perConnection(mbare);
    const notes: string[] = [];
    for (const m of [mh, mbare]) {
      if (m.connected < m.sockets) notes.push(`${m.system}: only ${fmt(m.connected)}/${fmt(m.sockets)} connected`);
      if (m.broadcast.lost) notes.push(`${m.system}: broadcast lost ${fmt(m.broadcast.lost)}`);
      if (m.dropped) notes.push(`${m.system}: ${fmt(m.dropped)} sockets dropped`);
      if (!m.gcForced) notes.push(`${m.system}: no forced collection`);
    }
    const complete = mh.connected === mh.sockets && mh.broadcast.lost === 0 && mh.dropped === 0;
    targets.push({
      name: `memory ${fmt(mh.connected)} sockets: RSS KB per connection`,
      herald: kb(perConnection(mh)),
      bare: kb(perConnection(mbare)),
      ratio: `${fmt(ratio, 2)}x`,
      goal: goalMem,
      verdict: ratio <= 1.25 && complete ? 'PASS' : 'FAIL',
      why: notes.length ? `(${notes.join('; ')})` : undefined,
    });
  } else if (failure('memory-10k')) failedRow('memory 10,000 sockets: RSS KB per connection', goalMem, 'memory-10k');

  // Replay of 50,000 under live traffic: the time to the last one, and the others' latency meanwhile.
  const rp = extra.replay;
  if (rp) {
    const complete = rp.lost === 0 && rp.duplicates === 0 && rp.unexpected === 0 && rp.outOfOrder === 0 && rp.written === rp.backlog && !rp.error;
    const seconds = Math.max(rp.toLastMs, Number.isNaN(rp.toDoneMs) ? 0 : rp.toDoneMs) / 1000;
    const problems = [
      rp.written < rp.backlog ? `only ${fmt(rp.written)} written` : '',
      rp.lost ? `lost ${fmt(rp.lost)}` : '',
      rp.duplicates ? `duplicated ${fmt(rp.duplicates)}` : '',
      rp.unexpected ? `${fmt(rp.unexpected)} unexpected` : '',
      rp.outOfOrder ? `${fmt(rp.outOfOrder)} out of order` : '',
      rp.error ?? '',
    ].filter(Boolean);
    targets.push({
      name: `replay ${fmt(rp.written)} missed: connect -> last one, s`,
      herald: fmt(seconds, 2),
      bare: '-',
      ratio: '-',
      goal: '< 3 s, all, in order',
      verdict: seconds < 3 && complete ? 'PASS' : 'FAIL',
      why: problems.length ? `(${problems.join(', ')})` : undefined,
    });
    const liveClean = clean(rp.live);
    const liveNotes = [lossNote(rp.live).trim(), rp.liveCoveredReplay ? '' : '(live pushes ended before the replay)', `(all ${fmt(rp.live.delivered)}: p99 ${fmt(rp.live.p99, 1)} ms)`].filter(Boolean);
    targets.push({
      name: `replay: others' live p99 ms meanwhile (${fmt(rp.liveDuringDelivered)} pushes)`,
      herald: fmt(rp.liveDuringP99, 1),
      bare: '-',
      ratio: '-',
      goal: '< 100 ms, 0 lost',
      verdict: rp.liveDuringP99 < 100 && liveClean && rp.liveDuringDelivered > 0 ? 'PASS' : 'FAIL',
      why: liveNotes.join(' '),
    });
  } else if (failure('replay')) failedRow('replay 50,000 missed: connect -> last one, s', '< 3 s; others live p99 < 100 ms', 'replay');

  // Two instances joined by Redis: accepted pushes/s per instance against one instance's unicast-max.
  const ti = extra.twoInstances;
  const goalTwo = (ref?: ScenarioResult) => `>= 0.8x 1 instance${ref ? ` (${fmt(ref.acceptedPerSecond)}/s)` : ''}, 0 lost, 0 dup`;
  if (ti) {
    const perInstance = ti.result.acceptedPerSecond / Math.max(1, ti.result.instances);
    const ratio = uh ? perInstance / uh.acceptedPerSecond : NaN;
    const notes = [
      lossNote(ti.result).trim(),
      `(A ${fmt(ti.perInstance[0])}/s, B ${fmt(ti.perInstance[1])}/s; ${fmt(ti.crossing)} pushes crossed instances)`,
      ti.connectFailures ? `(${fmt(ti.connectFailures)} sockets failed to connect: ${ti.connectErrors.join('; ')})` : '',
      uh ? '' : '(no one-instance unicast-max figure in this run)',
    ].filter(Boolean);
    targets.push({
      name: 'two instances + Redis: accepted pushes/s per instance',
      herald: fmt(perInstance),
      bare: '-',
      ratio: Number.isFinite(ratio) ? `${fmt(ratio, 2)}x` : '-',
      goal: goalTwo(uh),
      verdict: ratio >= 0.8 && clean(ti.result) && ti.connectFailures === 0 ? 'PASS' : 'FAIL',
      why: notes.join(' '),
    });
  } else if (failure('two-instances')) failedRow('two instances + Redis: accepted pushes/s per instance', goalTwo(uh), 'two-instances');
  if (!targets.length) return { failed: 0 }; // only scenarios without a target ran (http-floor)
  console.log(
    `\nTargets (issue 10; ratios to the bare Socket.IO server in this run):\n${table(
      ['target', 'herald', 'bare', 'ratio', 'goal', 'verdict'],
      targets.map((t) => [t.name, t.herald, t.bare, t.ratio, t.goal, `${t.verdict}${t.why ? ` ${t.why}` : ''}`]),
    )}`,
  );
  return { failed: targets.filter((t) => t.verdict !== 'PASS').length };
}
