/**
 * Input limits, in one place: the server's DTOs validate with them and the web forms refuse with
 * them, so the browser refuses exactly what the server would. Lengths count UTF-16 code units, as
 * class-validator's MaxLength and the browser's `value.length` both do. Each says where the database
 * agrees (migrations/): a limit the database does not enforce is the DTO's own choice.
 */

/** ERP orders. */
export const ORDER_LIMITS = {
  /** orders.customer: CHECK char_length BETWEEN 1 AND 200. */
  customerMaxLength: 200,
  /** orders.note: CHECK char_length <= 2000. */
  noteMaxLength: 2000,
  /** order_items.sku is text: the DTO's own bound. */
  skuMaxLength: 64,
  /** order_items.name is text: the DTO's own bound. */
  itemNameMaxLength: 200,
  /** order_items.qty is integer, CHECK qty > 0. */
  qtyMin: 1,
  qtyMax: 1_000_000,
  itemsMin: 1,
  itemsMax: 200,
} as const;

/** OA approvals. */
export const APPROVAL_LIMITS = {
  /** approvals.title: CHECK char_length BETWEEN 1 AND 150; leaves room for "Approval requested: " in a notification title (varchar(200)). */
  titleMaxLength: 150,
  /** approvals.details is text: the DTO's own bound. */
  detailsMaxLength: 2000,
  approversMin: 1,
  approversMax: 10,
  /** approval_steps.comment: CHECK char_length <= 1000. */
  commentMaxLength: 1000,
} as const;

/** Accounts. */
export const USER_LIMITS = {
  /** users.username varchar(64); a new username is 3-64 of USERNAME_PATTERN's characters. */
  usernameMinLength: 3,
  usernameMaxLength: 64,
  /** New passwords. */
  passwordMinLength: 8,
  passwordMaxLength: 128,
  /** users.display_name varchar(128). */
  displayNameMaxLength: 128,
} as const;

/** Letters, digits, _ . or -, USER_LIMITS.usernameMinLength to usernameMaxLength of them. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,64}$/;

/** The push API (POST /api/push). */
export const PUSH_LIMITS = {
  /** notifications.type varchar(64). */
  typeMaxLength: 64,
  /** notifications.title varchar(200). */
  titleMaxLength: 200,
  /** notifications.body is text: the DTO's own bound. */
  bodyMaxLength: 2000,
  /** push idempotency_key varchar(200). */
  idempotencyKeyMaxLength: 200,
} as const;

/**
 * An amount: at most 12 integer digits (numeric(14,2) holds 999,999,999,999.99) and two decimals, no
 * leading zeros, no sign. As an HTML `pattern` (anchored by the browser): MONEY_PATTERN.source.slice(1, -1).
 */
export const MONEY_PATTERN = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/;
/** The largest amount a numeric(14,2) column holds (an order's total and each line must fit). */
export const MAX_AMOUNT = '999999999999.99';
