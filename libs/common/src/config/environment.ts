import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const s = String(value).toLowerCase();
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every environment variable Herald reads, with what it expects.
 * The descriptions are listed in the README's configuration table (scripts/config-table.js keeps it in step).
 */
export class EnvironmentVariables {
  /** development | production | test */
  @IsOptional() @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** TCP port of the HTTP and Socket.IO server (0 picks a free one). */
  @Transform(toInt) @IsOptional() @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  /** Address to bind. Default: 127.0.0.1 in demo mode (its passwords are public), 0.0.0.0 otherwise. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  HOST?: string;

  /** postgres://user:pass@host:port/db. Absent: an embedded database in DATA_DIR. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  /** Folder of the embedded database and the generated demo secret (embedded mode only). */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  DATA_DIR = '.data';

  /** Connection pool size towards PostgreSQL (the embedded database always uses 1). */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** redis://host:port. Set it to run several instances together. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Prefix of the Redis stream and channels the instances share; instances that work together use the same one. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[A-Za-z0-9:_-]{1,64}$/, { message: 'must be 1-64 letters, digits, : _ or -' })
  REDIS_PREFIX = 'herald';

  /** HMAC secret of access tokens, at least 32 bytes. Required in production. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(32, { message: 'must be at least 32 bytes long' })
  JWT_SECRET?: string;

  /** Lifetime of access tokens, in seconds. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(86_400)
  ACCESS_TOKEN_TTL = 900;

  /** Lifetime of refresh tokens, in seconds. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(60) @Max(31_536_000)
  REFRESH_TOKEN_TTL = 2_592_000;

  /** Comma-separated browser origins allowed by CORS and Socket.IO; empty means same-origin only, `*` means any. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  CORS_ORIGINS = '';

  /** trace | debug | info | warn | error | fatal | silent */
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  LOG_LEVEL: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' = 'info';

  /** Seed the demo users (default: true with the embedded database, false otherwise). */
  @Transform(toBool) @IsOptional() @IsBoolean()
  DEMO_SEED?: boolean;

  /** Password of the demo users. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(8) @MaxLength(128)
  DEMO_PASSWORD = 'herald-demo';

  /** Username of the first admin, created at boot when no admin exists (outside demo mode). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[A-Za-z0-9_.-]{3,64}$/, { message: 'must be 3-64 letters, digits, _ . or -' })
  ADMIN_USERNAME?: string;

  /** Password of that first admin, at least 12 characters. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(12) @MaxLength(128)
  ADMIN_PASSWORD?: string;

  /** Days that dispatched outbox rows are kept (for audit) before they are deleted; rows that failed are kept. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(3650)
  OUTBOX_RETENTION_DAYS = 7;

  /** Push API requests allowed per second and API key; with REDIS_URL counted across all instances. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(100_000)
  PUSH_RATE_PER_SECOND = 100;

  /** Reverse proxies in front of Herald whose X-Forwarded-For is trusted for the client address (login limits); 0 trusts none. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(0) @Max(10)
  TRUST_PROXY = 0;

  /** Login attempts allowed per minute and IP address. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1)
  LOGIN_RATE_PER_IP = 30;

  /** Login attempts allowed per minute and username. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1)
  LOGIN_RATE_PER_USER = 10;

  /** Token refreshes (POST /api/auth/refresh) allowed per minute and IP address; with REDIS_URL counted across all instances. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1)
  REFRESH_RATE_PER_IP = 60;

  /** Bearer token that GET /metrics requires (at least 16 characters); unset, /metrics is public (fine on 127.0.0.1 in demo mode). */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(16, { message: 'must be at least 16 characters long' }) @MaxLength(256)
  METRICS_TOKEN?: string;

  /** SMTP server of fallback emails, smtp://user:pass@host:port or smtps://… (an email channel's own smtpUrl wins); unset, email fallbacks park with that reason. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^smtps?:\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** From address of fallback emails, e.g. `Herald <herald@example.com>`. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(254)
  MAIL_FROM = 'Herald <herald@localhost>';

  /** Attempts of one fallback delivery (email, robot, webhook) before it is parked for an admin to requeue. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(50)
  DELIVERY_MAX_ATTEMPTS = 6;

  /** Backoff of a failed delivery, in ms: base · 2^(attempts − 1), capped at 10 minutes. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(10) @Max(600_000)
  DELIVERY_RETRY_BASE_MS = 5000;
}

export type HeraldConfig = Readonly<Omit<EnvironmentVariables, 'HOST'>> & {
  /** Resolved: never undefined. */
  readonly HOST: string;
  /** True when DATABASE_URL is absent and the embedded database is used. */
  readonly embeddedDatabase: boolean;
  /** Whether demo users are seeded. */
  readonly demoSeed: boolean;
  readonly corsOrigins: string[] | '*';
  /** The database to use: DATABASE_URL, or the embedded one's once started (see bootstrap). */
  readonly databaseUrl?: string;
  /** JWT_SECRET, or in demo/development mode one generated and kept in DATA_DIR. */
  readonly jwtSecret?: string;
};

export class ConfigurationError extends Error {}

// When a value breaks several rules, the type rule says most (PORT=eighty: "an integer", not "at most 65535").
const TYPE_RULES = ['isInt', 'isBoolean', 'isString', 'isIn', 'matches'];

/** One problem per variable: `NAME=value: what it expects`, secrets hidden. */
function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => {
    const constraints = Object.entries(e.constraints ?? {});
    if (!constraints.length) return [];
    const [, msg] = constraints.find(([rule]) => TYPE_RULES.includes(rule)) ?? constraints[0];
    const shown = e.property.includes('SECRET') || e.property.includes('PASSWORD') || e.property.endsWith('_TOKEN') || e.property === 'SMTP_URL' ? '(hidden)' : JSON.stringify(e.value);
    return [`${e.property}=${shown}: ${msg.replace(new RegExp(`^${e.property} `), '')}`];
  });
}

/** Validates the environment once; throws a ConfigurationError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HeraldConfig {
  const known = Object.keys(new EnvironmentVariables());
  const picked: Record<string, unknown> = {};
  for (const key of [...known, 'HOST', 'DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'DEMO_SEED', 'ADMIN_USERNAME', 'ADMIN_PASSWORD', 'METRICS_TOKEN', 'SMTP_URL']) {
    // An empty value means unset (as in `PORT= npm start`): the default applies instead of undefined.
    if (env[key] !== undefined && env[key] !== '') picked[key] = env[key];
  }
  const vars = plainToInstance(EnvironmentVariables, picked);
  const problems = describe(validateSync(vars, { skipMissingProperties: false }));
  const production = vars.NODE_ENV === 'production';
  if (production && !vars.JWT_SECRET) problems.push('JWT_SECRET: is required when NODE_ENV=production (at least 32 bytes)');
  if (production && !vars.DATABASE_URL) problems.push('DATABASE_URL: is required when NODE_ENV=production (postgres://…)');
  if ((vars.ADMIN_USERNAME === undefined) !== (vars.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_USERNAME and ADMIN_PASSWORD: set both or neither');
  }
  if (problems.length) throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  const embeddedDatabase = !vars.DATABASE_URL;
  const demoSeed = vars.DEMO_SEED ?? (embeddedDatabase && !production);
  const origins = vars.CORS_ORIGINS.trim();
  const corsOrigins =
    origins === '*' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean);
  // Demo users have well-known passwords: reachable from this machine only, unless HOST says otherwise.
  const HOST = vars.HOST ?? (demoSeed ? '127.0.0.1' : '0.0.0.0');
  return Object.freeze({ ...vars, HOST, embeddedDatabase, demoSeed, corsOrigins, databaseUrl: vars.DATABASE_URL, jwtSecret: vars.JWT_SECRET });
}
