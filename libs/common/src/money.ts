import { registerDecorator, ValidationOptions } from 'class-validator';
import { MONEY_PATTERN } from '@herald/contracts';

/**
 * Exact money arithmetic in integer cents (bigint): prices arrive as JSON numbers or strings with
 * at most two decimals and leave as decimal strings; no float ever touches an amount.
 */

/** Largest amount a numeric(14,2) column holds, in cents. */
export const MAX_CENTS = 99_999_999_999_999n;

// One rule with the web forms: @herald/contracts' MONEY_PATTERN.
const MONEY = MONEY_PATTERN;

/** Cents of "19.9" / 19.9 / "0.05"; null when the value is not a non-negative amount with at most two decimals. */
export function parseCents(value: unknown): bigint | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = String(value); // JSON numbers print as their shortest exact decimal form: 19.9 → "19.9"
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return null;
  }
  const match = MONEY.exec(text);
  if (!match) return null;
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

/** 1990n → "19.90". */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Validates a non-negative amount with at most two decimals, sent as a JSON number or a string. */
export function IsMoney(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isMoney',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a non-negative amount with at most two decimals, like 19.90 or "19.90"`, ...options },
      validator: { validate: (value: unknown) => parseCents(value) !== null },
    });
}
