import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Rooms } from '@herald/contracts';
import { fieldError } from '@herald/common';
import { recipientsQuery } from '../rooms';
import { mutePatternsOf, type Preferences, type PreferencesDto } from './preferences.dto';
import { named } from '@herald/database';

/** At most this many muting recipients are written as read with one notification (its read_by array and read rows). */
export const MAX_MUTED_AT_WRITE = 10_000;

interface Row {
  muted: string[];
  fallback: { email?: boolean };
  quiet_hours: Preferences['quietHours'];
}

const toPreferences = (r: Row | undefined): Preferences => ({
  muted: r?.muted ?? [],
  fallback: { email: r?.fallback?.email !== false },
  quietHours: r?.quiet_hours ?? null,
});

/** Each user's muted types, fallback opt-out and quiet hours. */
@Injectable()
export class PreferencesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async get(userId: string): Promise<Preferences> {
    const [row]: Row[] = await this.db.query(`SELECT muted, fallback, quiet_hours FROM user_preferences WHERE user_id = $1`, [userId]);
    return toPreferences(row);
  }

  /** Replaces the user's preferences; a field left out takes its default. */
  async put(userId: string, input: PreferencesDto): Promise<Preferences> {
    const quiet = input.quietHours ?? null;
    if (quiet && quiet.start === quiet.end) throw fieldError('quietHours.end', 'notEqual', 'quietHours.end must differ from quietHours.start.');
    const prefs: Preferences = {
      muted: [...new Set(input.muted ?? [])],
      fallback: { email: input.fallback?.email !== false },
      quietHours: quiet && { start: quiet.start, end: quiet.end, timeZone: quiet.timeZone },
    };
    await this.db.query(
      `INSERT INTO user_preferences (user_id, muted, fallback, quiet_hours) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET muted = EXCLUDED.muted, fallback = EXCLUDED.fallback, quiet_hours = EXCLUDED.quiet_hours, updated_at = now()`,
      [userId, prefs.muted, JSON.stringify(prefs.fallback), prefs.quietHours ? JSON.stringify(prefs.quietHours) : null],
    );
    return prefs;
  }

  /**
   * The active recipients in `rooms` who muted `type`, for the writer's readBy. One query: the GIN index
   * on muted finds who muted the type (or a prefix of it), the users' primary key and roles index decide
   * who is in the rooms; the cost follows the number of users who muted it, capped at MAX_MUTED_AT_WRITE.
   */
  async mutedRecipients(manager: EntityManager, type: string, rooms: readonly string[]): Promise<string[]> {
    const muted = mutedRecipientsQuery(type, rooms);
    const rows: Array<{ id: string }> = await manager.query(named(manager, muted.sql), muted.params);
    return rows.map((r) => r.id);
  }
}

/** The query of mutedRecipients(), with its parameters from $1, for a caller that runs it inside another statement. */
export function mutedRecipientsQuery(type: string, rooms: readonly string[]): { sql: string; params: unknown[] } {
  const all = rooms.includes(Rooms.all);
  const inRooms = all ? 'TRUE' : `(u.id = ANY($3::bigint[]) OR u.roles && $4::text[])`;
  return {
    sql: `SELECT u.id::text FROM user_preferences p JOIN users u ON u.id = p.user_id
           WHERE p.muted && $1::text[] AND NOT u.disabled AND ${inRooms}
           ORDER BY u.id LIMIT $2`,
    params: [mutePatternsOf(type), MAX_MUTED_AT_WRITE, ...(all ? [] : recipientsQuery(rooms).params)],
  };
}
