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
