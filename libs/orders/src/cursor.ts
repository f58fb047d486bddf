import { BadRequestException } from '@nestjs/common';

/** Opaque keyset cursor over ids (newest first): clients pass back `nextCursor` untouched. */
export function encodeOrderCursor(lastId: string): string {
  return Buffer.from(`order:${lastId}`).toString('base64url');
}

export function decodeOrderCursor(cursor: string): string {
  const match = /^order:([1-9]\d{0,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new BadRequestException('cursor: not a cursor this endpoint gave out; pass nextCursor back unchanged.');
  return match[1];
}
