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

/** The server's limits (CreateUserDto, CreateApiKeyDto), so the browser refuses what the server would. */
export const USERNAME_PATTERN = '[A-Za-z0-9_.\\-]{3,64}';
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const DISPLAY_NAME_MAX = 128;
export const KEY_NAME_PATTERN = '[A-Za-z0-9 _.:\\-]{1,100}';
