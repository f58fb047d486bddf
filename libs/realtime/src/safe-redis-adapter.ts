import { createAdapter, RedisStreamsAdapterOptions } from '@socket.io/redis-streams-adapter';
import type { ClusterAdapter } from 'socket.io-adapter';
import type { Namespace } from 'socket.io';
import type { RedisClient, RedisConnection } from '@herald/database';

/** Why an adapter operation did not reach Redis. */
export type AdapterErrorReason = 'refused' | 'failed';

type Ack = (err: Error | null, responses: unknown[]) => void;

/** A closed client's poller retries after this long instead of spinning on instant rejections. */
const CLOSED_CLIENT_POLL_DELAY_MS = 1000;

/**
 * The Socket.IO Redis Streams adapter, made safe for a Redis that comes and goes.
 *
 * The library drops some of its own promises: an ephemeral publish (server-side events, presence
 * questions, their answers), SUBSCRIBE, the disconnect of its connections at close, and the
 * `serverSideEmit` that Socket.IO never awaits. A command in flight when Redis dies rejects, and
 * with nobody listening the process crashes. Here every Redis call the adapter makes goes through
 * a guard that catches and counts the failure (the caller still sees it where it listens), and
 * nothing is handed to Redis while it is not ready: publishes are refused at once (local delivery
 * goes on), the cluster counts as this instance alone, and an answer-awaiting emit answers at once.
 */
export class SafeRedisAdapter {
  /** The adapter's own connections (stream reader, subscriber), closed here at shutdown. */
  private readonly connections = new Set<RedisClient>();
  private closing = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly onError: (reason: AdapterErrorReason, operation: string, err: unknown) => void,
  ) {}

  /** The adapter constructor to hand to Socket.IO. */
  factory(options: RedisStreamsAdapterOptions): (nsp: Namespace) => ClusterAdapter {
    const client = this.redis.client;
    if (!client) throw new Error('Redis is not configured (REDIS_URL is not set)');
    const create = createAdapter(this.guard(client), options) as unknown as (nsp: Namespace) => ClusterAdapter;
    const guardAdapter = (adapter: ClusterAdapter) => this.guardAdapter(adapter);
    // Socket.IO calls it with `new`: a plain function (not an arrow) that returns the adapter object.
    return function safeRedisStreamsAdapter(nsp: Namespace) {
      return guardAdapter(create(nsp));
    };
  }

  /** Ends the adapter's connections once its namespaces are closed (they may still be reconnecting). */
  close(): void {
    this.closing = true;
    for (const connection of this.connections) if (connection.isOpen) connection.destroy();
    this.connections.clear();
  }

  private get ready(): boolean {
    return this.redis.ready && !this.closing;
  }

  /** A view of `client` whose every call is caught and counted; duplicates are quiet, tracked and guarded too. */
  private guard(client: RedisClient): RedisClient {
    return new Proxy(client, {
      get: (target, prop) => {
        if (prop === 'duplicate') {
          return () => {
            const duplicate = this.redis.quietDuplicate();
            this.connections.add(duplicate);
            return this.guard(duplicate);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function' || prop === 'constructor') return value;
        const method = value as (...args: unknown[]) => unknown;
        const name = String(prop);
        // Ending a client that is already ended (we closed it first at shutdown) is nothing to do.
        if (name === 'disconnect' || name === 'destroy' || name === 'quit' || name === 'close') {
          return (...args: unknown[]) => (target.isOpen ? method.apply(target, args) : Promise.resolve());
        }
        if (name === 'xRead' || name === 'XREAD') {
          return (...args: unknown[]) =>
            target.isOpen ? this.caught(name, () => method.apply(target, args)) : new Promise((resolve) => setTimeout(() => resolve(null), CLOSED_CLIENT_POLL_DELAY_MS).unref());
        }
        if (name === 'on' || name === 'once' || name === 'off' || name.startsWith('remove') || name === 'emit') return method.bind(target);
        return (...args: unknown[]) => this.caught(name, () => method.apply(target, args));
      },
    });
  }

  /** Runs one client call; a rejection (or a throw) is counted and marked handled, and still returned. */
  private caught(operation: string, call: () => unknown): unknown {
    let result: unknown;
    try {
      result = call();
    } catch (err) {
      this.failed(operation, err);
      const rejected = Promise.reject(err);
      rejected.catch(() => undefined); // counted above; whoever awaits it still sees the error
      return rejected;
    }
    if (result instanceof Promise) result.catch((err: unknown) => this.failed(operation, err));
    return result;
  }

  private failed(operation: string, err: unknown): void {
    if (this.closing) return; // connections ended on purpose at shutdown
    this.onError('failed', operation, err);
  }

  private refuse(operation: string): Promise<never> {
    const err = new Error(`Redis at ${this.redis.address} is not ready`);
    this.onError('refused', operation, err);
    const rejected = Promise.reject(err);
    rejected.catch(() => undefined); // the adapter's callers catch it; this only keeps it from counting as unhandled
    return rejected;
  }

  private guardAdapter(adapter: ClusterAdapter): ClusterAdapter {
    // The adapter's internals are protected; these are the four places where it reaches Redis for the cluster.
    const inner = adapter as unknown as {
      doPublish(message: unknown): Promise<string>;
      doPublishResponse(requesterUid: string, response: unknown): Promise<void>;
      serverCount(): Promise<number>;
      serverSideEmit(packet: unknown[]): Promise<unknown>;
    };
    const doPublish = inner.doPublish.bind(adapter);
    const doPublishResponse = inner.doPublishResponse.bind(adapter);
    const serverCount = inner.serverCount.bind(adapter);
    const serverSideEmit = inner.serverSideEmit.bind(adapter);
    inner.doPublish = (message) => (this.ready ? doPublish(message) : this.refuse('publish'));
    inner.doPublishResponse = (uid, response) => (this.ready ? doPublishResponse(uid, response) : this.refuse('publishResponse'));
    // Without Redis no other instance can be reached: count this one alone, and answer at once.
    inner.serverCount = () => (this.ready ? serverCount() : Promise.resolve(1));
    inner.serverSideEmit = (packet) => {
      const last = packet[packet.length - 1];
      // The failing Redis call was counted by the guard; here it only must not go unhandled.
      if (typeof last !== 'function') return serverSideEmit(packet).catch(() => undefined);
      // Answer the caller exactly once: with the responses, or with the error if Redis failed on the way.
      let answered = false;
      const ack = last as Ack;
      packet[packet.length - 1] = ((err, responses) => {
        if (answered) return;
        answered = true;
        ack(err, responses);
      }) as Ack;
      return serverSideEmit(packet).catch((err: unknown) => {
        if (answered) return;
        answered = true;
        ack(err instanceof Error ? err : new Error(String(err)), []);
      });
    };
    return adapter;
  }
}
