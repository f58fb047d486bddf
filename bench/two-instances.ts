/**
 * two-instances: two Herald processes on the bench database, both with REDIS_URL pointing at a
 * private redis-server (a child of the bench); the bench sockets alternate between them (even
 * indices on A, odd on B), and the same scenario as unicast-max (BENCH_TWO_INSTANCE_EVENTS pushes,
 * each to one seeded random user, as fast as they are answered, at most 256 in flight) is sent
 * alternately to A and B, so about half the pushes name a user whose socket is on the other
 * instance. Server CPU is the sum of both instances (and the database's backends). Accepted pushes/s
 * per instance = all accepted / sending time / 2, compared with unicast-max on one instance in the
 * same run. On one small machine the two instances share the cores the one instance had to itself,
 * so this measures what the second instance and the crossing cost, not what a second machine adds.
 */
import { cpus } from 'node:os';
import { seededRandom } from './config';
import { connectSockets, databaseName, heraldSpecs, type BenchContext } from './context';
import { stopChild } from './processes';
import type { BenchData } from './protocol';
import type { TwoInstanceResult } from './report';
import { postJson, runScenario } from './scenario';
import { startHerald, startRedis, type RunningServer } from './servers';

export const TWO_INSTANCES = 'two-instances';

const fmt = (n: number) => n.toLocaleString('en-US');

export async function runTwoInstances(ctx: BenchContext): Promise<TwoInstanceResult> {
  const { config, workers } = ctx;
  const started: RunningServer[] = [];
  try {
    console.log(`\n${TWO_INSTANCES}: a private redis-server and two Herald instances with REDIS_URL on the bench database`);
    const redis = await startRedis();
    started.push(redis);
    const starting = await Promise.allSettled(['herald-a', 'herald-b'].map((name) => startHerald(ctx.db, ctx.jwtSecret, { name, redisUrl: redis.url })));
    for (const s of starting) if (s.status === 'fulfilled') started.push(s.value);
    const failed = starting.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason as Error;
    const instances = started.slice(1);
    console.log(`Redis (pid ${redis.pid}) at ${redis.url}; ${instances.map((h) => `${h.name} (pid ${h.pid}) at ${h.url}`).join('; ')}`);

    // Half the sockets on each: even indices on A, odd ones on B (sequentially: a worker answers one connect at a time).
    const specs = heraldSpecs(ctx, ctx.users);
    const onA = await connectSockets(workers, 'herald', instances[0].url, specs.filter((s) => s.index % 2 === 0), config, instances[0].name, instances[0].pid);
    const onB = await connectSockets(workers, 'herald', instances[1].url, specs.filter((s) => s.index % 2 === 1), config, instances[1].name, instances[1].pid);
    const connected = [...onA.indices, ...onB.indices].sort((a, b) => a - b);
    if (!connected.length) throw new Error(`no socket connected to either instance (${onA.errors.concat(onB.errors).join('; ')})`);

    // The same seeded choice as unicast-max (identical recipients when every socket connected).
    const random = seededRandom(config.seed);
    const targets = Array.from({ length: config.twoInstanceEvents }, () => connected[Math.floor(random() * connected.length)]);
    const accepted = [0, 0];
    let crossing = 0;
    for (let seq = 0; seq < targets.length; seq++) if (seq % 2 !== targets[seq] % 2) crossing++;
    console.log(
      `\n${TWO_INSTANCES} on herald x2: ${fmt(config.twoInstanceEvents)} events at max rate, alternately to A and B, each to one random socket ` +
        `(${fmt(crossing)} of them, ${Math.round((100 * crossing) / targets.length)}%, to a user whose socket is on the other instance); ` +
        `both instances, PostgreSQL, Redis and the clients share this machine's ${cpus().length} cores`,
    );
    const result = await runScenario(
      {
        scenario: TWO_INSTANCES,
        system: 'herald',
        systemLabel: 'herald x2',
        pids: instances.map((h) => h.pid),
        database: databaseName(ctx),
        events: config.twoInstanceEvents,
        ratePerSecond: 1_000_000,
        recipientsOf: (seq) => [targets[seq]],
        socketSlots: ctx.users.length,
        send: (seq: number, data: BenchData) => {
          const instance = seq % 2;
          return postJson(
            `${instances[instance].url}/api/push`,
            { to: { userIds: [ctx.users[targets[seq]].id] }, type: 'bench.unicast', title: `Bench two-instances ${seq}`, data },
            { 'x-api-key': ctx.apiKey },
          ).then((status) => {
            if (status >= 200 && status < 300) accepted[instance]++;
            return status;
          });
        },
        timeoutMs: 120_000,
        idleMs: config.idleS * 1000,
        dumpDir: config.dumpDir,
      },
      workers,
    );
    // Both instances shared the one sending phase, so each one's rate is its accepted count over it.
    const sendSeconds = result.accepted / Math.max(result.acceptedPerSecond, 1e-9);
    return {
      result,
      perInstance: accepted.map((a) => a / Math.max(sendSeconds, 1e-3)),
      crossing,
      connected: [onA.indices.length, onB.indices.length],
      connectFailures: onA.failed + onB.failed,
      connectErrors: [...new Set([...onA.errors, ...onB.errors])],
    };
  } finally {
    await workers.disconnect('herald').catch(() => undefined);
    // The Herald instances first (they hold connections to Redis), then Redis.
    await Promise.all(started.filter((s) => s.name !== 'redis').map((s) => stopChild(s.child)));
    await Promise.all(started.filter((s) => s.name === 'redis').map((s) => stopChild(s.child)));
  }
}
