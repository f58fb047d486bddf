import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { fieldError } from '@herald/common';
import { ChannelConfig, ChannelConfigError, ChannelKind, maskChannelConfig, validateChannelConfig } from './channel-kinds';
import type { ChannelDto, CreateChannelDto, FallbackDefaultView, UpdateChannelDto } from './fallback.dto';

const MASK = '********';
/** Enough for every team's robot; the list answers in one page. */
export const MAX_CHANNELS = 200;

export interface ChannelRow {
  id: string;
  kind: ChannelKind;
  name: string;
  config: ChannelConfig;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const toDto = (r: ChannelRow): ChannelDto => ({
  id: String(r.id),
  kind: r.kind,
  name: r.name,
  config: maskChannelConfig(r.kind, r.config),
  enabled: r.enabled,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

function checkedConfig(kind: ChannelKind, config: unknown): ChannelConfig {
  try {
    return validateChannelConfig(kind, config);
  } catch (err) {
    if (err instanceof ChannelConfigError) throw fieldError(err.field, 'channelConfig', err.message);
    throw err;
  }
}

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.toLowerCase() === 'email' || /^\d+$/.test(trimmed)) {
    throw fieldError('name', 'matches', 'name must not be "email" or all digits: fallbacks refer to channels by name or id, and "email" means email.');
  }
  return trimmed;
}

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (err: unknown) => (err as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION;

/** Admins' fallback channels and the per-type fallback defaults. Secrets go in, never out. */
@Injectable()
export class ChannelsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(): Promise<ChannelDto[]> {
    const rows: ChannelRow[] = await this.db.query(`SELECT * FROM channels ORDER BY id LIMIT $1`, [MAX_CHANNELS]);
    return rows.map(toDto);
  }

  async get(id: string): Promise<ChannelDto> {
    return toDto(await this.row(id));
  }

  async create(input: CreateChannelDto): Promise<ChannelDto> {
    const name = checkedName(input.name);
    const config = checkedConfig(input.kind, input.config);
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM channels`);
    if (n >= MAX_CHANNELS) throw new ConflictException(`There are already ${MAX_CHANNELS} channels (the limit); delete one first.`);
    try {
      const [row]: ChannelRow[] = await this.db.query(
        `INSERT INTO channels (kind, name, config, enabled) VALUES ($1, $2, $3, $4) RETURNING *`,
        [input.kind, name, JSON.stringify(config), input.enabled ?? true],
      );
      return toDto(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`A channel named "${name}" exists (names are case-insensitive).`);
      throw err;
    }
  }

  async update(id: string, changes: UpdateChannelDto): Promise<ChannelDto> {
    return this.db.transaction(async (m) => {
      const current = await this.row(id, m, true);
      let config = current.config;
      if (changes.config !== undefined) {
        // A secret left out, or sent back as the mask an admin saw, keeps its value; a URL likewise.
        const merged: Record<string, unknown> = { ...current.config };
        for (const [key, value] of Object.entries(changes.config)) {
          if (typeof value === 'string' && value.includes(MASK)) continue;
          if (value === null) delete merged[key];
          else merged[key] = value;
        }
        config = checkedConfig(current.kind, merged);
      }
      const name = changes.name !== undefined ? checkedName(changes.name) : current.name;
      try {
        const [row]: ChannelRow[] = await m.query(
          // A CTE, because TypeORM answers a bare UPDATE … RETURNING with [rows, count].
          `WITH changed AS (UPDATE channels SET name = $2, config = $3, enabled = $4, updated_at = now() WHERE id = $1 RETURNING *)
           SELECT * FROM changed`,
          [id, name, JSON.stringify(config), changes.enabled ?? current.enabled],
        );
        return toDto(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictException(`A channel named "${name}" exists (names are case-insensitive).`);
        throw err;
      }
    });
  }

  async remove(id: string): Promise<void> {
    const rows: unknown[] = await this.db.query(`WITH gone AS (DELETE FROM channels WHERE id = $1 RETURNING id) SELECT id FROM gone`, [id]);
    if (!rows.length) throw new NotFoundException(`No channel ${id}.`);
  }

  /** The channel a fallback names (by id or case-insensitive name), for sending: with its secrets. */
  async resolve(ref: string, manager: EntityManager = this.db.manager): Promise<ChannelRow | undefined> {
    const [row]: ChannelRow[] = /^\d{1,19}$/.test(ref)
      ? await manager.query(`SELECT * FROM channels WHERE id = $1`, [ref])
      : await manager.query(`SELECT * FROM channels WHERE lower(name) = lower($1)`, [ref]);
    return row;
  }

  /** The enabled email channel whose SMTP settings replace SMTP_URL/MAIL_FROM, if an admin made one. */
  async emailChannel(manager: EntityManager = this.db.manager): Promise<ChannelRow | undefined> {
    const [row]: ChannelRow[] = await manager.query(`SELECT * FROM channels WHERE kind = 'email' AND enabled ORDER BY id LIMIT 1`);
    return row;
  }

  /** 400 naming the first reference that is neither "email" nor an existing channel. */
  async checkRefs(refs: readonly string[], field: string): Promise<void> {
    for (const [i, ref] of refs.entries()) {
      if (ref === 'email') continue;
      if (!(await this.resolve(ref))) throw fieldError(`${field}.${i}`, 'channelExists', `${field}.${i}: no channel "${ref}" (give "email", a channel name or a channel id).`);
    }
  }

  async listDefaults(): Promise<FallbackDefaultView[]> {
    const rows: Array<{ type: string; after_seconds: number; channels: string[] }> = await this.db.query(
      `SELECT type, after_seconds, channels FROM fallback_defaults ORDER BY type LIMIT 1000`,
    );
    return rows.map((r) => ({ type: r.type, after: r.after_seconds, channels: r.channels }));
  }

  async getDefault(type: string): Promise<FallbackDefaultView> {
    const [row]: Array<{ after_seconds: number; channels: string[] }> = await this.db.query(
      `SELECT after_seconds, channels FROM fallback_defaults WHERE type = $1`,
      [type],
    );
    if (!row) throw new NotFoundException(`No fallback default for ${type}.`);
    return { type, after: row.after_seconds, channels: row.channels };
  }

  async putDefault(type: string, after: number, channels: string[]): Promise<FallbackDefaultView> {
    await this.checkRefs(channels, 'channels');
    await this.db.query(
      `INSERT INTO fallback_defaults (type, after_seconds, channels) VALUES ($1, $2, $3)
       ON CONFLICT (type) DO UPDATE SET after_seconds = EXCLUDED.after_seconds, channels = EXCLUDED.channels, updated_at = now()`,
      [type, after, [...new Set(channels)]],
    );
    return { type, after, channels: [...new Set(channels)] };
  }

  async deleteDefault(type: string): Promise<void> {
    const rows: unknown[] = await this.db.query(`WITH gone AS (DELETE FROM fallback_defaults WHERE type = $1 RETURNING type) SELECT type FROM gone`, [type]);
    if (!rows.length) throw new NotFoundException(`No fallback default for ${type}.`);
  }

  private async row(id: string, manager: EntityManager = this.db.manager, lock = false): Promise<ChannelRow> {
    const [row]: ChannelRow[] = await manager.query(`SELECT * FROM channels WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    if (!row) throw new NotFoundException(`No channel ${id}.`);
    return row;
  }
}
