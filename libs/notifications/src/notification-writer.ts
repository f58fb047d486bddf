import { ConflictException, HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { named } from '@herald/database';
import { NewNotification, NotificationStore } from './notification-store';
import { Signals } from './signals';

/** At most this many notifications go into one transaction of the writer. */
export const GROUP_COMMIT_MAX = 2000;

/** Idempotency of a push: a repeat of (apiKeyId, key) answers what the first one answered. */
export interface WriteIdempotency {
  apiKeyId: string;
  key: string;
  requestHash: string;
}

/** One notification to write, with what its caller answers once it is committed. */
export interface WriteItem<R extends object = object> {
  notification: NewNotification;
  idempotency?: WriteIdempotency;
  /** The answer for the caller, given the new id: stored with the idempotency row, so a repeat answers the same. */
  answer: (id: string) => R;
  /** Extra writes of this item in the same transaction (a fallback job row); only when needed, as it costs round trips. */
  extra?: (manager: EntityManager, id: string) => Promise<void>;
}

export type WriteOutcome<R extends object = object> =
  | { ok: true; created: true; id: string; answer: R }
  /** A repeat of an idempotency key with the same request: the first call's answer, nothing written. */
  | { ok: true; created: false; answer: R }
  | { ok: false; error: HttpException };

interface Group {
  items: WriteItem[];
  resolve: (outcomes: WriteOutcome[]) => void;
  reject: (err: unknown) => void;
}

/** A failure of the whole transaction that would fail any item as well: no point retrying items one by one. */
function isWholeBatchFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // lock_not_available, query_canceled (statement timeout), admin shutdown, connection failures (08xxx, 57Pxx).
  if (code === '55P03' || code === '57014' || (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P')))) return true;
  const message = String((err as { message?: unknown }).message ?? '');
  return /Connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect/i.test(message);
}

/**
 * Group commit for pushes. Callers that write at the same time are collected while the previous
 * transaction is in flight (so one alone is written at once, and a crowd shares transactions), and
 * written in ONE transaction under ONE acquisition of the writer lock: ids taken in the callers'
 * order, one multi-row INSERT ... FROM unnest(...) for the notifications, their rooms and their
 * already-read rows, one pg_notify. Each caller is answered after the commit that holds its row.
 *
 * A group (one batch push) is never split across transactions. An idempotency conflict fails only its
 * item. When a transaction fails for a reason one item may cause, each group is retried alone, so one
 * bad group does not fail the others; a lock timeout or a lost connection fails them all (503 from the error filter).
 */
@Injectable()
export class NotificationWriter {
  private readonly log = new Logger(NotificationWriter.name);
  private queue: Group[] = [];
  private running = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
    private readonly signals: Signals,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  /** Writes one notification; resolves after its commit. */
  async write<R extends object>(item: WriteItem<R>): Promise<WriteOutcome<R>> {
    const [outcome] = await this.writeAll([item]);
    return outcome;
  }

  /** Writes every item in one transaction (shared with other callers'); resolves with one outcome per item, in order. */
  writeAll<R extends object>(items: WriteItem<R>[]): Promise<WriteOutcome<R>[]> {
    if (!items.length) return Promise.resolve([]);
    return new Promise<WriteOutcome<R>[]>((resolve, reject) => {
      this.queue.push({ items: items as WriteItem[], resolve: resolve as (o: WriteOutcome[]) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Whatever arrived in the same turn of the event loop joins the first transaction.
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length) {
        const batch: Group[] = [];
        let size = 0;
        while (this.queue.length && (batch.length === 0 || size + this.queue[0].items.length <= GROUP_COMMIT_MAX)) {
          const g = this.queue.shift()!;
          batch.push(g);
          size += g.items.length;
        }
        await this.commitGroups(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async commitGroups(groups: Group[]): Promise<void> {
    try {
      const outcomes = await this.transaction(groups.flatMap((g) => g.items));
      let at = 0;
      for (const g of groups) {
        g.resolve(outcomes.slice(at, at + g.items.length));
        at += g.items.length;
      }
    } catch (err) {
      if (groups.length > 1 && !isWholeBatchFailure(err)) {
        this.log.warn({ err: (err as Error).message, groups: groups.length }, 'a group commit failed; writing its groups one by one');
        for (const g of groups) await this.commitGroups([g]);
        return;
      }
      for (const g of groups) g.reject(err);
    }
  }

  /** One transaction for all `items`; per-item outcomes in order. */
  private async transaction(items: WriteItem[]): Promise<WriteOutcome[]> {
    const keyIds = [...new Set(items.flatMap((i) => (i.notification.apiKeyId ? [i.notification.apiKeyId] : [])))];
    // The common batch (no idempotency key, no extra rows) is one statement: one round trip, the lock held only inside it.
    if (items.every((i) => !i.idempotency && !i.extra)) {
      const { ids, revoked } = await this.store.writeAlone(items.map((i) => i.notification), keyIds, { notify: !this.config.embeddedDatabase });
      if (ids) {
        this.signals.notificationsCommitted();
        return items.map((item, k) => ({ ok: true, created: true, id: ids[k], answer: item.answer(ids[k]) }));
      }
      // A key was revoked and nothing was written: the transaction below refuses its items and writes the others.
      if (!revoked.size) throw new Error('the one-statement write wrote nothing and named no revoked key');
    }
    const outcomes: Array<WriteOutcome | undefined> = new Array(items.length);
    const created: Array<{ index: number; id: string; answer: object }> = [];
    let repeatsOf: Array<{ index: number; of: number }> = [];
    await this.db.transaction(async (manager) => {
      created.length = 0;
      outcomes.fill(undefined);
      const revoked = await this.store.lockWriter(manager, keyIds);
      const live = refuseRevoked(items, revoked, outcomes);
      const { toInsert, repeats } = await this.resolveIdempotency(manager, items, outcomes, live);
      repeatsOf = repeats;
      if (toInsert.length) {
        const ids = await this.store.insertMany(manager, toInsert.map((index) => items[index].notification), { notify: !this.config.embeddedDatabase });
        toInsert.forEach((index, k) => created.push({ index, id: ids[k], answer: items[index].answer(ids[k]) }));
        for (const c of created) {
          const item = items[c.index];
          if (item.extra) await item.extra(manager, c.id);
        }
        const keyed = created.filter((c) => items[c.index].idempotency);
        if (keyed.length) {
          await manager.query(
            named(manager, `INSERT INTO push_requests (api_key_id, idempotency_key, request_hash, response)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[])`),
            [
              keyed.map((c) => items[c.index].idempotency!.apiKeyId),
              keyed.map((c) => items[c.index].idempotency!.key),
              keyed.map((c) => items[c.index].idempotency!.requestHash),
              keyed.map((c) => JSON.stringify(c.answer)),
            ],
          );
        }
      }
    });
    for (const c of created) outcomes[c.index] = { ok: true, created: true, id: c.id, answer: c.answer };
    for (const r of repeatsOf) {
      const first = outcomes[r.of];
      outcomes[r.index] = first?.ok ? { ok: true, created: false, answer: first.answer } : first;
    }
    if (created.length) this.signals.notificationsCommitted();
    return outcomes as WriteOutcome[];
  }

  /**
   * Answers repeats of idempotency keys (from earlier transactions or earlier in this one) and conflicts;
   * returns the indexes of the items to insert. Runs under the writer lock, which serialises one key's users.
   */
  private async resolveIdempotency(
    manager: EntityManager,
    items: WriteItem[],
    outcomes: Array<WriteOutcome | undefined>,
    live: number[],
  ): Promise<{ toInsert: number[]; repeats: Array<{ index: number; of: number }> }> {
    const keyOf = (k: WriteIdempotency) => `${k.apiKeyId}\u0000${k.key}`;
    const keyed = live.map((index) => items[index]).filter((i) => i.idempotency);
    const previous = new Map<string, { hash: string; answer: object }>();
    if (keyed.length) {
      const rows: Array<{ api_key_id: string; idempotency_key: string; request_hash: string; response: object }> = await manager.query(
        named(manager, `SELECT p.api_key_id::text AS api_key_id, p.idempotency_key, p.request_hash, p.response
           FROM push_requests p JOIN unnest($1::bigint[], $2::text[]) AS k(api_key_id, idempotency_key)
             ON p.api_key_id = k.api_key_id AND p.idempotency_key = k.idempotency_key`),
        [keyed.map((i) => i.idempotency!.apiKeyId), keyed.map((i) => i.idempotency!.key)],
      );
      for (const r of rows) previous.set(`${r.api_key_id}\u0000${r.idempotency_key}`, { hash: r.request_hash, answer: r.response });
    }
    const firstInBatch = new Map<string, number>();
    const toInsert: number[] = [];
    const repeats: Array<{ index: number; of: number }> = [];
    for (const index of live) {
      const item = items[index];
      const k = item.idempotency;
      if (!k) {
        toInsert.push(index);
        continue;
      }
      const key = keyOf(k);
      const earlier = previous.get(key);
      const sameBatch = firstInBatch.get(key);
      const hash = earlier?.hash ?? (sameBatch !== undefined ? items[sameBatch].idempotency!.requestHash : undefined);
      if (hash === undefined) {
        firstInBatch.set(key, index);
        toInsert.push(index);
        continue;
      }
      if (hash !== k.requestHash) {
        outcomes[index] = {
          ok: false,
          error: new ConflictException({ message: 'This idempotencyKey was already used with a different request; use a new key.', code: 'idempotency_conflict' }),
        };
      } else if (earlier) {
        outcomes[index] = { ok: true, created: false, answer: earlier.answer };
      } else {
        repeats.push({ index, of: sameBatch! }); // answered with that item's answer once it has an id
      }
    }
    return { toInsert, repeats };
  }
}

/** The answer to an unknown or revoked API key: the guard's, and the writer's for a key revoked before its transaction. */
export function revokedKeyError(): HttpException {
  return new HttpException({ statusCode: 401, error: 'Unauthorized', message: 'Unknown or revoked API key.', code: 'invalid_api_key' }, HttpStatus.UNAUTHORIZED);
}

export const isRevokedKeyError = (err: unknown): boolean =>
  err instanceof HttpException && (err.getResponse() as { code?: unknown }).code === 'invalid_api_key';

/** Items whose API key is in `revoked` get the guard's 401; returns the indexes of the others. */
function refuseRevoked(items: WriteItem[], revoked: Set<string>, outcomes: Array<WriteOutcome | undefined>): number[] {
  const live: number[] = [];
  items.forEach((item, index) => {
    if (item.notification.apiKeyId && revoked.has(item.notification.apiKeyId)) outcomes[index] = { ok: false, error: revokedKeyError() };
    else live.push(index);
  });
  return live;
}
