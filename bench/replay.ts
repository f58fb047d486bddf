/**
 * replay (Herald only; a bare Socket.IO server keeps nothing to replay): one more bench user, with no
 * socket, misses BENCH_REPLAY_BACKLOG (50,000) notifications, written through `POST /api/push/batch`
 * in calls of BENCH_BATCH_SIZE (1,000), 4 calls in flight. Then the other sockets get unicast pushes
 * at BENCH_REPLAY_LIVE_RATE (200/s); BENCH_REPLAY_DELAY_MS (2 s) into them, that user's socket
 * connects with `auth.lastSeenId` = the highest id before the backlog (CONTRACT.md: replay, then
 * `replay:done {count, lastId, position}`). Measured: from io() (handshake included) to the last
 * replayed notification and to `replay:done`, every backlog id checked (lost, duplicated, out of
 * order, unexpected); and the publish->delivery latency of the live pushes sent while it replayed.
 */
import { seededRandom } from './config';
import { insertSalesUsers, mintAccessToken } from './database';
import { databaseName, sleep, TOKEN_TTL_SECONDS, type BenchContext } from './context';
import type { BenchData } from './protocol';
import { wallClock } from './protocol';
import type { ReplayResult } from './report';
import { percentile, postJson, runScenario } from './scenario';
import type { RunningServer } from './servers';

export const REPLAY = 'replay';
const REPLAY_TIMEOUT_MS = 120_000;
const BATCHES_IN_FLIGHT = 4;
/** The live pushes go on this long after the replay ended. */
const LIVE_AFTER_MS = 1000;

const fmt = (n: number) => n.toLocaleString('en-US');

/** Writes the backlog for `userId`; answers the ids written (in order), the errors met, and how long it took. */
async function writeBacklog(ctx: BenchContext, herald: RunningServer, userId: string): Promise<{ ids: number[]; errors: Record<string, number>; seconds: number }> {
  const { replayBacklog: total, batchSize } = ctx.config;
  const calls = Math.ceil(total / batchSize);
  const idsByCall: number[][] = Array.from({ length: calls }, () => []);
  const errors: Record<string, number> = {};
  const countError = (why: string, n: number) => void (errors[why] = (errors[why] ?? 0) + n);
  const started = wallClock();
  let next = 0;
  const lane = async () => {
    while (next < calls) {
      const call = next++;
      const first = call * batchSize;
      const items = Array.from({ length: Math.min(batchSize, total - first) }, (_, i) => ({
        to: { userIds: [userId] },
        type: 'bench.replay',
        title: `Bench replay backlog ${first + i}`,
        data: { bench: 'replay-backlog', seq: first + i },
      }));
      const status = await postJson(`${herald.url}/api/push/batch`, { items }, { 'x-api-key': ctx.apiKey }, (text) => {
        const body = JSON.parse(text) as { items?: Array<{ ids?: string[]; error?: { statusCode: number; code?: string } }> };
        for (const item of body.items ?? []) {
          if (item.error) countError(`item ${item.error.statusCode} ${item.error.code ?? ''}`.trim(), 1);
          else for (const id of item.ids ?? []) idsByCall[call].push(Number(id));
        }
      });
      if (status !== 202) countError(status ? `HTTP ${status}` : 'network error', items.length);
    }
  };
  await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, lane));
  return { ids: idsByCall.flat(), errors, seconds: (wallClock() - started) / 1000 };
}

export async function runReplay(ctx: BenchContext, herald: RunningServer, connected: readonly number[]): Promise<ReplayResult> {
  const { config, workers } = ctx;
  if (!connected.length) throw new Error('no live socket on Herald for the live pushes during the replay');
  const [user] = await insertSalesUsers(ctx.sql, 'benchreplay', 1);
  const { rows } = await ctx.sql.query<{ max: string }>('SELECT coalesce(max(id), 0)::text AS max FROM notifications');
  const cursor = rows[0].max;

  console.log(`\n${REPLAY} on herald: user ${user.id} (no socket) misses ${fmt(config.replayBacklog)} notifications, written by batch push in calls of ${fmt(config.batchSize)}`);
  const backlog = await writeBacklog(ctx, herald, user.id);
  const errorText = Object.entries(backlog.errors).map(([k, v]) => `${k} x${v}`).join(', ');
  console.log(
    `  wrote ${fmt(backlog.ids.length)}/${fmt(config.replayBacklog)} in ${backlog.seconds.toFixed(1)} s (${fmt(Math.round(backlog.ids.length / backlog.seconds))}/s)` +
      `${errorText ? `; refused: ${errorText}` : ''}; the socket will ask for everything after id ${cursor}`,
  );
  if (!backlog.ids.length) throw new Error(`the backlog could not be written (${errorText || 'no ids answered'})`);

  // The live pushes: seeded random recipients among the other sockets, each send's time kept to find those sent during the replay.
  const random = seededRandom(config.seed + 1);
  const targets = Array.from({ length: config.replayLiveEvents }, () => connected[Math.floor(random() * connected.length)]);
  const sentAt = new Float64Array(config.replayLiveEvents);
  const label = `${REPLAY}-live`;
  console.log(
    `  ${label}: unicast pushes at ${config.replayLiveRate}/s to the other ${fmt(connected.length)} sockets, from ${config.replayDelayMs} ms before the replaying socket connects ` +
      `to ${LIVE_AFTER_MS} ms after its replay ended (at most ${fmt(config.replayLiveEvents)})`,
  );
  const token = mintAccessToken(ctx.jwtSecret, user, TOKEN_TTL_SECONDS);
  let replayEndedAt = 0;
  const [live, report] = await Promise.all([
    runScenario(
      {
        scenario: label,
        system: 'herald',
        pids: [herald.pid],
        database: databaseName(ctx),
        events: config.replayLiveEvents,
        ratePerSecond: config.replayLiveRate,
        recipientsOf: (seq) => [targets[seq]],
        socketSlots: ctx.users.length,
        send: (seq: number, data: BenchData) => {
          sentAt[seq] = data.sentAt;
          return postJson(`${herald.url}/api/push`, { to: { userIds: [ctx.users[targets[seq]].id] }, type: 'bench.unicast', title: `Bench replay-live ${seq}`, data }, { 'x-api-key': ctx.apiKey });
        },
        timeoutMs: Math.ceil((config.replayLiveEvents / config.replayLiveRate) * 1000) + 60_000,
        idleMs: config.idleS * 1000,
        dumpDir: config.dumpDir,
        keepDeliveries: true,
        until: () => replayEndedAt > 0 && wallClock() >= replayEndedAt + LIVE_AFTER_MS,
      },
      workers,
    ),
    (async () => {
      await sleep(config.replayDelayMs);
      try {
        return await workers.replay(0, herald.url, { token, lastSeenId: cursor }, REPLAY_TIMEOUT_MS);
      } finally {
        replayEndedAt = wallClock();
      }
    })(),
  ]);

  // Every backlog id once, in order, nothing else.
  const expected = new Set(backlog.ids);
  const seen = new Set<number>();
  let duplicates = 0;
  let unexpected = 0;
  let outOfOrder = 0;
  for (let i = 0; i < report.ids.length; i++) {
    const id = report.ids[i];
    if (i > 0 && id <= report.ids[i - 1]) outOfOrder++;
    if (!expected.has(id)) unexpected++;
    else if (seen.has(id)) duplicates++;
    else seen.add(id);
  }
  const ms = (at: number) => (at ? at - report.startedAt : NaN);
  const windowEnd = Math.max(report.replayDoneAt, report.lastNotificationAt, report.connectedAt, report.startedAt);
  const during: number[] = [];
  let sentDuring = 0;
  for (let seq = 0; seq < sentAt.length; seq++) if (sentAt[seq] >= report.startedAt && sentAt[seq] <= windowEnd) sentDuring++;
  const deliveries = live.deliveries!;
  for (let i = 0; i < deliveries.seq.length; i++) {
    const t = sentAt[deliveries.seq[i]];
    if (t >= report.startedAt && t <= windowEnd) during.push(deliveries.latencyMs[i]);
  }
  const lastSent = sentAt.reduce((a, b) => Math.max(a, b), 0);
  const result: ReplayResult = {
    userId: user.id,
    cursor,
    backlog: config.replayBacklog,
    written: backlog.ids.length,
    writeSeconds: backlog.seconds,
    writeErrors: backlog.errors,
    received: seen.size,
    lost: expected.size - seen.size,
    duplicates,
    unexpected,
    outOfOrder,
    handshakeMs: ms(report.connectedAt),
    toFirstMs: ms(report.firstNotificationAt),
    toLastMs: ms(report.lastNotificationAt),
    toDoneMs: ms(report.replayDoneAt),
    replayDone: report.replayDone,
    error: report.error,
    clientCpuMs: report.cpuMs,
    live,
    liveDuringSent: sentDuring,
    liveDuringDelivered: during.length,
    liveDuringP99: percentile(Float64Array.from(during).sort(), 99),
    liveDuringMax: during.length ? Math.max(...during) : NaN,
    liveCoveredReplay: lastSent >= windowEnd,
  };
  console.log(
    `  ${REPLAY}: ${fmt(result.received)}/${fmt(result.written)} backlog notifications received; connected after ${result.handshakeMs.toFixed(0)} ms, ` +
      `first after ${result.toFirstMs.toFixed(0)} ms, last after ${result.toLastMs.toFixed(0)} ms, replay:done after ${result.toDoneMs.toFixed(0)} ms ` +
      `${JSON.stringify(result.replayDone)} (the client process used ${fmt(Math.round(result.clientCpuMs))} ms of CPU meanwhile)${result.error ? `; STOPPED: ${result.error}` : ''}` +
      `${result.lost || result.duplicates || result.unexpected || result.outOfOrder ? `; lost ${result.lost}, duplicated ${result.duplicates}, unexpected ${result.unexpected}, out of order ${result.outOfOrder}` : ''}`,
  );
  console.log(
    `  ${label} while it replayed: ${fmt(result.liveDuringDelivered)} deliveries of ${fmt(result.liveDuringSent)} pushes sent, p99 ${result.liveDuringP99.toFixed(1)} ms, max ${result.liveDuringMax.toFixed(1)} ms` +
      `${result.liveCoveredReplay ? '' : ' (the live pushes ended before the replay did: raise BENCH_REPLAY_LIVE_EVENTS)'}`,
  );
  return result;
}
