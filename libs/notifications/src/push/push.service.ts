import { BadRequestException, HttpException, Injectable, Optional, PayloadTooLargeException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { PushResponse } from '@herald/contracts';
import { isRevokedKeyError, NotificationWriter, type WriteItem, type WriteOutcome } from '../notification-writer';
import { ChannelsService } from '../fallback/channels.service';
import { type DeliveryOptions, type DeliveryPlan, FallbackPlanner } from '../fallback/fallback-planner.service';
import { MAX_MUTED_AT_WRITE } from '../preferences/preferences.service';
import { recipientsQuery } from '../rooms';
import { type ApiKeyCaller, ApiKeysService } from './api-keys.service';
import { OnlineUsers } from './online-users';
import { MAX_PUSH_DATA_BYTES, PushDto } from './push.dto';
import { named } from '@herald/database';

/** Canonical JSON (sorted keys), so the same request hashes the same whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** One item's answer in a batch: what a single push answers, or its own error. */
export type PushItemResult = PushResponse | { error: HttpException };

/** Users asked for by pushes, read once for all of them: id → disabled. */
type KnownUsers = Map<string, boolean>;

const PLAN_CONCURRENCY = 8;

/**
 * "Send to uid / group / everyone" for other systems. One push becomes one notification addressed
 * to the union of its rooms, written by the group-commit writer under the same writer lock as the
 * dispatcher's, so its id fits the commit order. With an idempotencyKey, a repeat answers what the
 * first call answered. A batch validates each item on its own and writes them all in one transaction.
 */
@Injectable()
export class PushService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: NotificationWriter,
    private readonly fallbacks: FallbackPlanner,
    private readonly channels: ChannelsService,
    private readonly keys: ApiKeysService,
    @Optional() private readonly online?: OnlineUsers,
  ) {}

  async push(caller: ApiKeyCaller, req: PushDto): Promise<PushResponse> {
    const prepared = await this.prepareTogether(caller, req);
    if (prepared instanceof HttpException) throw prepared;
    const outcome = await this.writer.write(prepared);
    if (!outcome.ok && isRevokedKeyError(outcome.error)) this.keys.forget(caller.id);
    return answerOf(outcome);
  }

  /** Single pushes waiting to be checked in the next round. */
  private together: Array<{ caller: ApiKeyCaller; req: PushDto; done: (r: WriteItem<PushResponse> | HttpException) => void; fail: (err: unknown) => void }> = [];
  private checking = false;

  /**
   * Single pushes are checked together, like the items of a batch: one user lookup and one delivery plan per type
   * for all of them, instead of queries per push. A round takes what arrived in the same turn of the event loop,
   * and what arrives while a round is at the database waits for the next one (as the writer collects commits):
   * alone, a push is checked at once; under load, rounds grow instead of the statements.
   */
  private prepareTogether(caller: ApiKeyCaller, req: PushDto): Promise<WriteItem<PushResponse> | HttpException> {
    const result = new Promise<WriteItem<PushResponse> | HttpException>((done, fail) => this.together.push({ caller, req, done, fail }));
    if (!this.checking) void this.checkRounds();
    return result;
  }

  private async checkRounds(): Promise<void> {
    this.checking = true;
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.together.length) {
        const group = this.together;
        this.together = [];
        try {
          const results = await this.prepareAll(group.map((g) => g.caller), group.map((g) => g.req));
          group.forEach((g, i) => g.done(results[i]));
        } catch (err) {
          group.forEach((g) => g.fail(err));
        }
      }
    } finally {
      this.checking = false;
    }
  }

  /** Every item checked on its own, then those that passed written in one transaction; one result per item, in order. */
  async pushBatch(caller: ApiKeyCaller, reqs: PushDto[]): Promise<PushItemResult[]> {
    const prepared = await this.prepareAll(reqs.map(() => caller), reqs);
    const good = prepared.filter((p): p is WriteItem<PushResponse> => !(p instanceof HttpException));
    const outcomes = await this.writer.writeAll(good);
    // The key was revoked after the guard let it in (its cache had not heard yet): the whole request is refused, like at the door.
    const revoked = outcomes.find((o) => !o.ok && isRevokedKeyError(o.error));
    if (revoked && !revoked.ok) {
      this.keys.forget(caller.id);
      throw revoked.error;
    }
    let k = 0;
    return prepared.map((p) => {
      if (p instanceof HttpException) return { error: p };
      const outcome = outcomes[k++];
      return outcome.ok ? outcome.answer : { error: outcome.error };
    });
  }

  private async prepareAll(callers: ApiKeyCaller[], reqs: PushDto[]): Promise<Array<WriteItem<PushResponse> | HttpException>> {
    // Every user id any item names, looked up at once: a user room, like a user id, must name an existing user,
    // else the notification waits in the inbox of whoever is given that id later.
    const asked = new Set<string>();
    for (const req of reqs) for (const id of usersOf(req)) asked.add(id);
    const groups = planGroups(reqs);
    let known: KnownUsers;
    let shared: Map<number, DeliveryPlan>;
    const only = groups.length === 1 && groups[0].indexes.length === reqs.length ? groups[0] : undefined;
    if (only && asked.size && only.req.priority !== 'critical' && !only.req.fallback) {
      // The common round (one type, to users, no fallback of its own): its plan and the user lookup in one statement.
      const both = await this.fallbacks.planWithUsers(this.db.manager, only.req.type, userRooms(only.users), [...asked]);
      known = both.users;
      shared = this.splitPlan(reqs, only, both.plan);
    } else {
      // The user lookup and the shared plans do not depend on each other: both round trips at once.
      [known, shared] = await Promise.all([
        asked.size ? this.lookupUsers(asked) : Promise.resolve<KnownUsers>(new Map()),
        this.sharedPlans(reqs, groups.filter((g) => g.indexes.length > 1)),
      ]);
    }
    const results: Array<WriteItem<PushResponse> | HttpException> = new Array(reqs.length);
    let next = 0;
    const work = async () => {
      while (next < reqs.length) {
        const i = next++;
        try {
          results[i] = await this.prepare(callers[i], reqs[i], known, shared.get(i));
        } catch (err) {
          if (!(err instanceof HttpException)) throw err;
          results[i] = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PLAN_CONCURRENCY, reqs.length) }, work));
    return results;
  }

  /**
   * Plans shared by the items of a batch that go to users only and have the same type, priority and fallback:
   * one plan for the union of their users, each item then getting the part of its readBy that is its own
   * (what its own plan would say), instead of two queries per item. Items it cannot cover plan on their own.
   */
  private async sharedPlans(reqs: PushDto[], groups: PlanGroup[]): Promise<Map<number, DeliveryPlan>> {
    const plans = new Map<number, DeliveryPlan>();
    for (const g of groups) {
      const delivery: DeliveryOptions = { critical: g.req.priority === 'critical', fallback: g.req.fallback };
      const plan = await this.fallbacks.plan(this.db.manager, g.req.type, userRooms(g.users), delivery);
      for (const [i, own] of this.splitPlan(reqs, g, plan)) plans.set(i, own);
    }
    return plans;
  }

  /** Each item of the group gets the part of the group's readBy that is its own; none when it was capped (their own plans are exact). */
  private splitPlan(reqs: PushDto[], g: PlanGroup, plan: DeliveryPlan): Map<number, DeliveryPlan> {
    const plans = new Map<number, DeliveryPlan>();
    if (plan.readBy.length >= MAX_MUTED_AT_WRITE) return plans;
    const muted = new Set(plan.readBy);
    for (const i of g.indexes) {
      const own = new Set(usersOf(reqs[i]));
      plans.set(i, { ...plan, readBy: muted.size ? [...own].filter((u) => muted.has(u)) : [] });
    }
    return plans;
  }

  private lookup?: { ids: Set<string>; result: Promise<KnownUsers> };

  /**
   * The users among `ids`, with whether each is disabled. Pushes that ask in the same turn of the event loop
   * share one query: under load, many requests are parsed in one turn.
   */
  private lookupUsers(ids: ReadonlySet<string>): Promise<KnownUsers> {
    if (!this.lookup) {
      const pending = new Set<string>();
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.lookup = undefined;
        const rows: Array<{ id: string; disabled: boolean }> = await this.db.query(
          named(this.db, `SELECT id::text AS id, disabled FROM users WHERE id = ANY($1::bigint[])`),
          [[...pending]],
        );
        return new Map(rows.map((r) => [r.id, r.disabled]));
      });
      this.lookup = { ids: pending, result };
    }
    for (const id of ids) this.lookup.ids.add(id);
    return this.lookup.result;
  }

  private async prepare(caller: ApiKeyCaller, req: PushDto, known: KnownUsers, shared?: DeliveryPlan): Promise<WriteItem<PushResponse>> {
    const data = req.data ?? {};
    const dataBytes = Buffer.byteLength(JSON.stringify(data));
    if (dataBytes > MAX_PUSH_DATA_BYTES) {
      throw new PayloadTooLargeException(`data is ${dataBytes} bytes as JSON; the limit is ${MAX_PUSH_DATA_BYTES}.`);
    }
    const userIds = [...new Set(req.to.userIds ?? [])];
    const rooms = [...new Set([...userIds.map((id) => `user:${id}`), ...(req.to.rooms ?? []), ...(req.to.all ? ['all'] : [])])];
    if (!rooms.length) throw new BadRequestException('to: give at least one of userIds, rooms or all: true.');
    const roomUserIds = [...new Set(userRoomIds(req))];
    const missingIds = userIds.filter((id) => !known.has(id));
    if (missingIds.length) throw new BadRequestException(`to.userIds: no user with id ${missingIds.slice(0, 10).join(', ')}.`);
    const missingRooms = roomUserIds.filter((id) => !known.has(id)).slice(0, 10);
    if (missingRooms.length) {
      throw new BadRequestException(`to.rooms: no user with id ${missingRooms.join(', ')} (${missingRooms.map((id) => `user:${id}`).join(', ')}).`);
    }
    if (req.fallback) await this.channels.checkRefs(req.fallback.channels, 'fallback.channels');
    const delivery: DeliveryOptions = { critical: req.priority === 'critical', fallback: req.fallback };
    const plan = shared ?? (await this.fallbacks.plan(this.db.manager, req.type, rooms, delivery));
    const requestHash = req.idempotencyKey ? createHash('sha256').update(canonical({ ...req, idempotencyKey: undefined })).digest('hex') : '';

    // Only user rooms: the active ones among them are known already, no count query needed.
    let recipients: number;
    if (rooms.every((r) => r.startsWith('user:'))) {
      recipients = [...new Set([...userIds, ...roomUserIds])].filter((id) => known.get(id) === false).length;
    } else {
      const count = recipientsQuery(rooms);
      [{ n: recipients }] = await this.db.query(count.sql, count.params);
    }
    const online = this.online ? (await this.online.knownOnlineUserIds(rooms)).size : 0;

    return {
      notification: { type: req.type, title: req.title, body: req.body ?? '', data, source: `push:${caller.name}`, apiKeyId: caller.id, rooms, readBy: plan.readBy },
      idempotency: req.idempotencyKey ? { apiKeyId: caller.id, key: req.idempotencyKey, requestHash } : undefined,
      answer: (id) => ({ ids: [id], recipients, online }),
      extra: plan.fallback ? (manager, id) => this.fallbacks.recordJob(manager, id, plan) : undefined,
    };
  }
}

/** Items of a round or batch that can share one delivery plan: to users only, with the same type, priority and fallback. */
interface PlanGroup {
  req: PushDto;
  indexes: number[];
  users: Set<string>;
}

/** The ids of the `user:<id>` rooms an item names. */
function userRoomIds(req: PushDto): string[] {
  return (req.to.rooms ?? []).filter((r) => r.startsWith('user:')).map((r) => r.slice('user:'.length));
}

/** The users an item names, by id or by user room. */
function usersOf(req: PushDto): string[] {
  return [...(req.to.userIds ?? []), ...userRoomIds(req)];
}

const userRooms = (users: Iterable<string>) => [...users].map((u) => `user:${u}`);

function planGroups(reqs: PushDto[]): PlanGroup[] {
  const groups = new Map<string, PlanGroup>();
  reqs.forEach((req, i) => {
    const rooms = req.to.rooms ?? [];
    if (req.to.all || rooms.some((r) => !r.startsWith('user:'))) return;
    const users = usersOf(req);
    if (!users.length) return;
    const key = JSON.stringify([req.type, req.priority === 'critical', req.fallback ?? null]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { req, indexes: [], users: new Set() }));
    g.indexes.push(i);
    users.forEach((u) => g!.users.add(u));
  });
  return [...groups.values()];
}

function answerOf(outcome: WriteOutcome<PushResponse>): PushResponse {
  if (!outcome.ok) throw outcome.error;
  return outcome.answer;
}
