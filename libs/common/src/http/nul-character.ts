import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const NUL = '\u0000';
/** How a path shows a NUL inside a key: as the escape a person would type, not the invisible character. */
const shown = (key: string) => key.split(NUL).join('\\u0000');

/**
 * The path (`items.0.name`, `data.note`) of a string or object key in `value` that holds a
 * NUL character, or undefined. PostgreSQL refuses NUL in text and jsonb, so such input would fail
 * the query instead of being refused as bad input. Iterative: depth is bounded already, size is not.
 */
export function findNulCharacter(value: unknown, prefix = ''): string | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: prefix }];
  while (stack.length) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes(NUL)) return path || '(body)';
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: path ? `${path}.${i}` : String(i) });
    } else if (current !== null && typeof current === 'object') {
      const keys = Object.keys(current);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        const at = path ? `${path}.${shown(key)}` : shown(key);
        if (key.includes(NUL)) return at;
        stack.push({ value: (current as Record<string, unknown>)[key], path: at });
      }
    }
  }
  return undefined;
}

/** Throws the 400 for a NUL character found in `value`, naming where it is. */
export function assertNoNulCharacter(value: unknown, prefix = ''): void {
  const path = findNulCharacter(value, prefix);
  if (path !== undefined) throw new BadRequestException(`${path}: must not contain the NUL character (\\u0000)`);
}

/**
 * Express middleware, after the body parser and before guards and validation: one check of every
 * JSON body and query string, so no handler (nor the login limiter) ever hands NUL to PostgreSQL.
 */
export function refuseNulCharacters(req: Request, _res: Response, next: NextFunction): void {
  try {
    assertNoNulCharacter(req.query);
    assertNoNulCharacter(req.body);
  } catch (err) {
    next(err);
    return;
  }
  next();
}
