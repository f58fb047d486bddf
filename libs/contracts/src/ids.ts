/** An id as the API carries it: a positive 64-bit integer in decimal, without leading zeros. */
export const ID_PATTERN = /^[1-9][0-9]{0,18}$/;
/** A position in the notification stream: a notification id, or 0 for "before the first one". */
export const STREAM_POSITION_PATTERN = /^(0|[1-9][0-9]{0,18})$/;
