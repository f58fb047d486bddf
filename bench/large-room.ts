/**
 * The 10,000-socket scenarios of issue 10, one system at a time (so the client side holds 10,000
 * sockets, not 20,000, and the two servers never compete for the cores):
 *
 * - memory-10k: a fresh server process (started with --expose-gc); its RSS after a full collection;
 *   10,000 sockets connect; one broadcast to all of them (Herald: a push to room `orders`, which every
 *   bench user is in; baseline: /emit to `orders`); once every delivery arrived it settles
 *   (BENCH_MEMORY_SETTLE_MS) and is read again, then again after a full collection. RSS per
 *   connection = (after - before) / sockets connected, both after a full collection.
 * - fan-out-10k: on the same sockets, BENCH_LARGE_FANOUT_EVENTS events at BENCH_LARGE_FANOUT_RATE/s
 *   to `orders`; server CPU per delivery.
 */
import type { BenchUser } from './database';
import { insertSalesUsers } from './database';
import { baselineSpecs, connectSockets, databaseName, heraldSpecs, sleep, type BenchContext } from './context';
import { collectGarbage, currentRss, stopChild, stoppingEverything } from './processes';
import type { BenchData, SystemName } from './protocol';
import type { MemoryResult } from './report';
import { postJson, runScenario, type ScenarioResult } from './scenario';
import { startBaseline, startHerald, type RunningServer } from './servers';

export const FANOUT_10K = 'fan-out-10k';
export const MEMORY_10K = 'memory-10k';

export interface LargeRoomOutcome {
  results: ScenarioResult[];
  memory: MemoryResult[];
  failures: Array<{ scenario: string; error: string }>;
}

/** The bench users, grown to `count` with more sales users (all in `orders`), in id order. */
async function usersFor(ctx: BenchContext, count: number): Promise<BenchUser[]> {
  if (ctx.users.length >= count) return ctx.users.slice(0, count);
  const more = await insertSalesUsers(ctx.sql, 'benchlarge', count - ctx.users.length);
  return [...ctx.users, ...more];
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function runLargeRoom(ctx: BenchContext, wanted: { memory: boolean; fanout: boolean }): Promise<LargeRoomOutcome> {
  const { config, workers } = ctx;
  const n = config.largeSockets;
  const users = await usersFor(ctx, n);
  const outcome: LargeRoomOutcome = { results: [], memory: [], failures: [] };
  const names = [wanted.memory && MEMORY_10K, wanted.fanout && FANOUT_10K].filter(Boolean) as string[];

  for (const system of ['herald', 'baseline'] as SystemName[]) {
    let server: RunningServer | undefined;
    try {
      console.log(`\n${names.join(' + ')} on ${system}: a fresh ${system} process, ${n.toLocaleString('en-US')} sockets in room orders`);
      server = system === 'herald' ? await startHerald(ctx.db, ctx.jwtSecret, { name: 'herald-10k', exposeGc: true }) : await startBaseline({ name: 'baseline-10k', exposeGc: true });
      const srv = server;
      // Let start-up work (migrations check, seeding, first tail read, JIT) finish before the first reading.
      await sleep(1000);
      const rssBeforeRawBytes = currentRss(srv.pid);
      const gcForced = await collectGarbage(srv.child);
      await sleep(500);
      const rssBeforeBytes = currentRss(srv.pid);

      const dropped0 = (await workers.progress()).dropped;
      const specs = system === 'herald' ? heraldSpecs(ctx, users) : baselineSpecs(users);
      const connect = await connectSockets(workers, system, srv.url, specs, config, `${system} (pid ${srv.pid})`, srv.pid);
      if (!connect.indices.length) throw new Error(`no socket connected to ${system} (${connect.failed} failed: ${connect.errors.join('; ')})`);
      const connected = connect.indices;

      const send = (seq: number, data: BenchData, scenario: string) => {
        const title = `Bench ${scenario} ${seq}`;
        if (system === 'herald') return postJson(`${srv.url}/api/push`, { to: { rooms: ['orders'] }, type: 'bench.fanout', title, data }, { 'x-api-key': ctx.apiKey });
        const payload = { id: String(seq + 1), type: 'bench.fanout', title, body: '', data, room: 'orders', source: 'push:bench', createdAt: new Date().toISOString(), readAt: null };
        return postJson(`${srv.url}/emit`, { room: 'orders', event: 'notification', payload });
      };
      const common = {
        system,
        pids: [srv.pid],
        database: system === 'herald' ? databaseName(ctx) : undefined,
        recipientsOf: () => connected,
        socketSlots: users.length,
        idleMs: config.idleS * 1000,
        dumpDir: config.dumpDir,
      };

      if (wanted.memory) {
        const broadcast = await runScenario(
          { ...common, scenario: MEMORY_10K, events: 1, ratePerSecond: 1, send: (seq, data) => send(seq, data, MEMORY_10K), timeoutMs: 60_000 },
          workers,
        );
        outcome.results.push(broadcast);
        await sleep(config.memorySettleMs);
        const rssSettledBytes = currentRss(srv.pid);
        await collectGarbage(srv.child);
        await sleep(500);
        const rssAfterBytes = currentRss(srv.pid);
        const dropped = (await workers.progress()).dropped - dropped0;
        const memory: MemoryResult = { system, sockets: n, connected: connected.length, connectFailures: connect.errors, dropped, gcForced, rssBeforeRawBytes, rssBeforeBytes, rssSettledBytes, rssAfterBytes, broadcast };
        outcome.memory.push(memory);
        console.log(
          `  ${MEMORY_10K}/${system}: RSS ${mb(rssBeforeBytes)} before (${mb(rssBeforeRawBytes)} before its collection), ${mb(rssSettledBytes)} with ${connected.length.toLocaleString('en-US')} sockets ` +
            `${config.memorySettleMs} ms after the broadcast, ${mb(rssAfterBytes)} after a full collection${gcForced ? '' : ' (NOT forced: --expose-gc missing)'}: ` +
            `${((rssAfterBytes - rssBeforeBytes) / connected.length / 1024).toFixed(1)} KB per connection`,
        );
      }
      if (wanted.fanout) {
        const events = config.largeFanoutEvents;
        const rate = config.largeFanoutRate;
        console.log(`\n${FANOUT_10K} on ${system}: ${events} events at ${rate}/s to ${connected.length.toLocaleString('en-US')} sockets each`);
        outcome.results.push(
          await runScenario(
            { ...common, scenario: FANOUT_10K, events, ratePerSecond: rate, send: (seq, data) => send(seq, data, FANOUT_10K), timeoutMs: Math.ceil((events / rate) * 1000) + 60_000 },
            workers,
          ),
        );
      }
    } catch (err) {
      if (stoppingEverything()) throw err;
      const error = `${system}: ${(err as Error).message}`;
      console.error(`  ${names.join(' + ')} FAILED on ${error}`);
      for (const scenario of names) outcome.failures.push({ scenario, error });
    } finally {
      await workers.disconnect(system).catch(() => undefined);
      if (server) await stopChild(server.child);
    }
  }
  return outcome;
}
