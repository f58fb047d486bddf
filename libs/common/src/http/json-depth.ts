import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON bodies nested deeper than this are refused before they are parsed. */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether the JSON text nests objects and arrays deeper than `max`, found by one pass over its code
 * units that counts brackets outside strings. It stops at the first level too deep, so a hostile body
 * costs no more than a flat one. Malformed JSON is left for the parser to refuse.
 * Works on UTF-8 bytes as on a decoded string: every character it looks at is ASCII, and no byte of a
 * multi-byte UTF-8 sequence is.
 */
export function jsonNestedDeeperThan(text: Uint8Array | string, max: number = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text !== 'string';
  const length = text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < length; i++) {
    const c = bytes ? (text as Uint8Array)[i] : (text as string).charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++; // the escaped character cannot end the string
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** An error body-parser passes on with its status; the exception filter answers it by `type`, or with its message. */
class BodyRefused extends Error {
  expose = true;
  statusCode: number;
  constructor(
    public status: number,
    public type: string,
    message: string,
  ) {
    super(message);
    this.statusCode = status;
  }
}

/** Charsets whose text TextDecoder gives back exactly as body-parser's decoder does. */
const UTF16 = /^utf-?16(le|be)?$/i;

/**
 * A body-parser `verify` hook: refuses, with 400, raw JSON nested deeper than MAX_JSON_DEPTH, before
 * JSON.parse and validation recurse through it (a 40,000-level body overflowed their stacks).
 */
export function refuseDeepJson(_req: IncomingMessage, _res: ServerResponse, body: Buffer, encoding: string | null | undefined): void {
  let text: Uint8Array | string = body;
  if (encoding && !/^utf-?8$/i.test(encoding)) {
    // UTF-7 and UTF-32 could hide brackets from the scan; RFC 8259 asks for UTF-8 anyway.
    if (!UTF16.test(encoding)) throw new BodyRefused(415, 'charset.unsupported', `unsupported charset "${encoding}"`);
    const bigEndian = /be$/i.test(encoding) || (!/le$/i.test(encoding) && body[0] === 0xfe && body[1] === 0xff);
    text = new TextDecoder(bigEndian ? 'utf-16be' : 'utf-16le').decode(body);
  }
  if (jsonNestedDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new BodyRefused(400, 'entity.too.deep', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
}
