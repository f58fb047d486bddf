import { USER_LIMITS } from '@herald/contracts';

/**
 * The admin API's answers as the UI reads them. The server declares them in libs/notifications
 * (ApiKeyInfo, OutboxItemDto), which the web bundle does not import; the e2e test binds the two.
 */
export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyRow {
  key: string;
}

export interface OutboxEventRow {
  id: string;
  type: string;
  aggregateId: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  parkedAt: string | null;
  parkedReason: string | null;
  processedAt: string | null;
  createdAt: string;
}

export interface OutboxPage {
  items: OutboxEventRow[];
  nextCursor: string | null;
}

/** The server's limits (libs/contracts limits.ts, CreateApiKeyDto), so the browser refuses what the server would. */
export const PASSWORD_MIN = USER_LIMITS.passwordMinLength;
export const PASSWORD_MAX = USER_LIMITS.passwordMaxLength;
export const DISPLAY_NAME_MAX = USER_LIMITS.displayNameMaxLength;
export const USERNAME_MAX = USER_LIMITS.usernameMaxLength;
/**
 * USERNAME_PATTERN as an HTML `pattern`, which browsers compile with the `v` flag: there a bare `-` in
 * a class is a syntax error (and the whole pattern silently ignored), so it is escaped. The e2e test
 * checks both agree.
 */
export const USERNAME_INPUT_PATTERN = `[A-Za-z0-9_.\\-]{${USER_LIMITS.usernameMinLength},${USER_LIMITS.usernameMaxLength}}`;
export const KEY_NAME_INPUT_PATTERN = '[A-Za-z0-9 _.:\\-]{1,100}';
