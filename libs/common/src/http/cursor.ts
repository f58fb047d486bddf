import { BadRequestException } from '@nestjs/common';
import { isValidId } from '@herald/contracts';

/**
 * Opaque keyset cursors over ids (newest first): clients pass `nextCursor` back untouched. The
 * `kind` prefix keeps a cursor of one list from being accepted by another.
 */
export function encodeCursor(kind: string, lastId: string): string {
  return Buffer.from(`${kind}:${lastId}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string): string {
  const match = /^([a-z]+):(.*)$/s.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  // The id inside follows the one id rule, so a forged cursor is a 400, never a failed query.
  if (!match || match[1] !== kind || !isValidId(match[2])) {
    throw new BadRequestException('cursor: not a cursor this endpoint gave out; pass nextCursor back unchanged.');
  }
  return match[2];
}
