import { BadRequestException } from '@nestjs/common';

/**
 * Opaque keyset cursors over ids (newest first): clients pass `nextCursor` back untouched. The
 * `kind` prefix keeps a cursor of one list from being accepted by another.
 */
export function encodeCursor(kind: string, lastId: string): string {
  return Buffer.from(`${kind}:${lastId}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string): string {
  const match = /^([a-z]+):([1-9]\d{0,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== kind) {
    throw new BadRequestException('cursor: not a cursor this endpoint gave out; pass nextCursor back unchanged.');
  }
  return match[2];
}
