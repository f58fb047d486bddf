/** An id as the API carries it: a positive 64-bit integer in decimal, without leading zeros. */
export const ID_PATTERN = /^[1-9][0-9]{0,18}$/;
/** A position in the notification stream: a notification id, or 0 for "before the first one". */
export const STREAM_POSITION_PATTERN = /^(0|[1-9][0-9]{0,18})$/;

/** The largest id PostgreSQL's bigint can hold. */
export const MAX_ID = 9223372036854775807n;

/** The one id rule, for REST and socket alike: positive, no leading zeros, within bigint. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value) && BigInt(value) <= MAX_ID;
}

/** A stream position ("0" or an id) within bigint. */
export function isValidStreamPosition(value: unknown): value is string {
  return typeof value === 'string' && STREAM_POSITION_PATTERN.test(value) && BigInt(value) <= MAX_ID;
}
