import { BadRequestException, ConflictException, Inject, Injectable, Optional, PayloadTooLargeException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { PushResponse } from '@herald/contracts';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { NotificationStore } from '../notification-store';
import { ChannelsService } from '../fallback/channels.service';
import { type DeliveryOptions, FallbackPlanner } from '../fallback/fallback-planner.service';
import { recipientsQuery } from '../rooms';
import { NOTIFICATIONS_CHANNEL, Signals } from '../signals';
import type { ApiKeyCaller } from './api-keys.service';
import { OnlineUsers } from './online-users';
import { MAX_PUSH_DATA_BYTES, PushDto } from './push.dto';

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

/**
 * "Send to uid / group / everyone" for other systems. One push becomes one notification addressed
 * to the union of its rooms, written under the same writer lock as the dispatcher's, so its id
 * fits the commit order. With an idempotencyKey, a repeat answers what the first call answered.
 */
@Injectable()
export class PushService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: NotificationStore,
    private readonly signals: Signals,
    private readonly fallbacks: FallbackPlanner,
    private readonly channels: ChannelsService,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Optional() private readonly online?: OnlineUsers,
  ) {}

  async push(caller: ApiKeyCaller, req: PushDto): Promise<PushResponse> {
    const data = req.data ?? {};
    const dataBytes = Buffer.byteLength(JSON.stringify(data));
    if (dataBytes > MAX_PUSH_DATA_BYTES) {
      throw new PayloadTooLargeException(`data is ${dataBytes} bytes as JSON; the limit is ${MAX_PUSH_DATA_BYTES}.`);
    }
    const userIds = [...new Set(req.to.userIds ?? [])];
    const rooms = [...new Set([...userIds.map((id) => `user:${id}`), ...(req.to.rooms ?? []), ...(req.to.all ? ['all'] : [])])];
    if (!rooms.length) throw new BadRequestException('to: give at least one of userIds, rooms or all: true.');
    // A user room, like a user id, must name an existing user: else the notification waits in the inbox of
    // whoever is given that id later.
    const roomUserIds = [...new Set((req.to.rooms ?? []).filter((r) => r.startsWith('user:')).map((r) => r.slice('user:'.length)))];
    if (userIds.length || roomUserIds.length) {
      const asked = [...new Set([...userIds, ...roomUserIds])];
      const known: Array<{ id: string }> = await this.db.query(`SELECT id::text FROM users WHERE id = ANY($1::bigint[])`, [asked]);
      const exists = new Set(known.map((k) => k.id));
      const missingIds = userIds.filter((id) => !exists.has(id));
      if (missingIds.length) throw new BadRequestException(`to.userIds: no user with id ${missingIds.slice(0, 10).join(', ')}.`);
      const missingRooms = roomUserIds.filter((id) => !exists.has(id)).slice(0, 10);
      if (missingRooms.length) {
        throw new BadRequestException(`to.rooms: no user with id ${missingRooms.join(', ')} (${missingRooms.map((id) => `user:${id}`).join(', ')}).`);
      }
    }
    if (req.fallback) await this.channels.checkRefs(req.fallback.channels, 'fallback.channels');
    const delivery: DeliveryOptions = { critical: req.priority === 'critical', fallback: req.fallback };
    const plan = await this.fallbacks.plan(this.db.manager, req.type, rooms, delivery);
    const requestHash = createHash('sha256').update(canonical({ ...req, idempotencyKey: undefined })).digest('hex');

    const count = recipientsQuery(rooms);
    const [{ n: recipients }] = await this.db.query(count.sql, count.params);
    const online = this.online ? (await this.online.onlineUserIds(rooms)).size : 0;

    const result = await this.db.transaction(async (manager) => {
      await this.store.lockWriter(manager); // also serialises pushes with one idempotency key
      if (req.idempotencyKey) {
        const [previous]: Array<{ request_hash: string; response: PushResponse }> = await manager.query(
          `SELECT request_hash, response FROM push_requests WHERE api_key_id = $1 AND idempotency_key = $2`,
          [caller.id, req.idempotencyKey],
        );
        if (previous) {
          if (previous.request_hash !== requestHash) {
            throw new ConflictException({ message: 'This idempotencyKey was already used with a different request; use a new key.', code: 'idempotency_conflict' });
          }
          return { response: previous.response, created: false };
        }
      }
      const id = await this.store.insert(manager, {
        type: req.type,
        title: req.title,
        body: req.body ?? '',
        data,
        source: `push:${caller.name}`,
        apiKeyId: caller.id,
        rooms,
        readBy: plan.readBy,
      });
      await this.fallbacks.recordJob(manager, id, plan);
      const response: PushResponse = { ids: [id], recipients, online };
      if (req.idempotencyKey) {
        await manager.query(
          `INSERT INTO push_requests (api_key_id, idempotency_key, request_hash, response) VALUES ($1, $2, $3, $4)`,
          [caller.id, req.idempotencyKey, requestHash, JSON.stringify(response)],
        );
      }
      if (!this.config.embeddedDatabase) await manager.query(`SELECT pg_notify($1, '')`, [NOTIFICATIONS_CHANNEL]);
      return { response, created: true };
    });
    if (result.created) this.signals.notificationsCommitted();
    return result.response;
  }
}
