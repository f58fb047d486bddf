import { Injectable, Optional } from '@nestjs/common';
import { withTimeout } from '@herald/common';
import { RedisConnection } from '@herald/database';
import { LiveSessions } from '@herald/notifications';
import type { HeraldServer, InterServerEvents } from './socket-auth';

const PRESENCE_QUERY = 'herald:presence' satisfies keyof InterServerEvents;
/** How long to wait for the other instances' answers, while Redis is up, before counting without them. */
const PRESENCE_TIMEOUT_MS = 2000;

/**
 * Who is online: users with at least one live reader (socket or SSE stream), on any instance. Each
 * instance answers from its own LiveSessions (no socket objects are serialised); other instances are
 * asked through the adapter, only while Redis is connected: without it this instance answers for
 * itself, at once.
 */
@Injectable()
export class Presence {
  private server?: HeraldServer;
  /** Questions waiting for other instances; settled early (this instance only) when Redis is lost. */
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly live: LiveSessions,
    @Optional() private readonly redis?: RedisConnection,
  ) {}

  bind(server: HeraldServer): void {
    this.server = server;
    this.redis?.onLost(() => {
      for (const giveUp of this.pending) giveUp();
    });
    server.on(PRESENCE_QUERY, (rooms, reply) => {
      // From another instance, but checked anyway: a malformed question gets no answer.
      if (Array.isArray(rooms) && typeof reply === 'function') reply([...this.localUserIds(rooms.map(String))]);
    });
  }

  /** The ids of users with a live reader (socket or SSE stream) in any of `rooms`. */
  async onlineUserIds(rooms: string[]): Promise<Set<string>> {
    const ids = this.localUserIds(rooms);
    // No Redis (not configured, or not connected now): nobody else can be asked, so do not wait.
    if (!this.server || !this.redis?.ready) return ids;
    const ask: Promise<string[][]> = this.server.serverSideEmitWithAck(PRESENCE_QUERY, rooms);
    // An instance that does not answer in time is not counted; the push itself is unaffected.
    let giveUp!: () => void;
    const lost = new Promise<string[][]>((resolve) => (giveUp = () => resolve([])));
    this.pending.add(giveUp);
    let answers: string[][];
    try {
      answers = await withTimeout(Promise.race([ask.catch((err: { responses?: string[][] }) => err.responses ?? []), lost]), PRESENCE_TIMEOUT_MS, []);
    } finally {
      this.pending.delete(giveUp);
    }
    for (const answer of answers) for (const id of answer ?? []) ids.add(id);
    return ids;
  }

  private localUserIds(rooms: string[]): Set<string> {
    return this.live.localUserIds(rooms);
  }
}
