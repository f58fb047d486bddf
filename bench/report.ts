/** The results table, and the Herald / baseline ratios under it. */
import type { ScenarioResult } from './scenario';

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
const mb = (bytes: number) => fmt(bytes / 1024 / 1024, 0);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function printResults(results: ScenarioResult[]): void {
  console.log(
    '\n' +
      table(
        ['scenario', 'system', 'deliveries', 'lost', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'peak RSS MB', 'server CPU s', 'DB CPU s', 'srv+DB ms/event', 'clients CPU %', 'machine busy %'],
        results.map((r) => [
          r.scenario,
          r.system,
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
export function printTargets(results: ScenarioResult[]): { failed: number } {
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
  for (const name of ['fan-out 10,000 sockets: server CPU per delivery', 'memory 10,000 sockets: RSS per connection', 'replay 50,000 in < 3 s, others live p99 < 100 ms', 'two instances + Redis: unicast per instance']) {
    targets.push({ name, herald: '-', bare: '-', ratio: '-', goal: '', verdict: 'NOT RUN', why: 'no scenario in this bench yet' });
  }
  console.log(
    `\nTargets (issue 10; ratios to the bare Socket.IO server in this run):\n${table(
      ['target', 'herald', 'bare', 'ratio', 'goal', 'verdict'],
      targets.map((t) => [t.name, t.herald, t.bare, t.ratio, t.goal, `${t.verdict}${t.why ? ` ${t.why}` : ''}`]),
    )}`,
  );
  return { failed: targets.filter((t) => t.verdict !== 'PASS').length };
}
