import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const NUL = '\u0000';
/** A UTF-16 surrogate without its partner: PostgreSQL's jsonb refuses its escape (\ud800), text stores it as U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What PostgreSQL cannot store of a string, or undefined. */
export type TextProblem = 'nul' | 'lone-surrogate';
const problemOf = (text: string): TextProblem | undefined =>
  text.includes(NUL) ? 'nul' : LONE_SURROGATE.test(text) ? 'lone-surrogate' : undefined;
const MESSAGES: Record<TextProblem, string> = {
  nul: 'must not contain the NUL character (\\u0000)',
  'lone-surrogate': 'must be valid Unicode text (it holds an unpaired surrogate, \\ud800-\\udfff)',
};
/** How a path shows a key: NUL and lone surrogates as the escapes a person would type, not invisible characters. */
const UNSHOWABLE = new RegExp(`${NUL}|${LONE_SURROGATE.source}`, 'g');
const shown = (key: string) =>
  problemOf(key) ? key.replace(UNSHOWABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : key;

/**
 * The path (`items.0.name`, `data.note`) of a string or object key in `value` that holds a NUL
 * character or an unpaired surrogate, and which, or undefined. PostgreSQL refuses NUL in text and both
 * in jsonb, so such input would fail the query instead of being refused as bad input.
 * Iterative: depth is bounded already, size is not.
 */
export function findUnstorableText(value: unknown, prefix = ''): { path: string; problem: TextProblem } | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: prefix }];
  while (stack.length) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = problemOf(current);
      if (problem) return { path: path || '(body)', problem };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: path ? `${path}.${i}` : String(i) });
    } else if (current !== null && typeof current === 'object') {
      const keys = Object.keys(current);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        const at = path ? `${path}.${shown(key)}` : shown(key);
        const problem = problemOf(key);
        if (problem) return { path: at, problem };
        stack.push({ value: (current as Record<string, unknown>)[key], path: at });
      }
    }
  }
  return undefined;
}

/** The path of a NUL character in `value`, or undefined. */
export function findNulCharacter(value: unknown, prefix = ''): string | undefined {
  const found = findUnstorableText(value, prefix);
  return found?.problem === 'nul' ? found.path : undefined;
}

/** Throws the 400 for text in `value` that PostgreSQL cannot store, naming where it is. */
export function assertStorableText(value: unknown, prefix = ''): void {
  const found = findUnstorableText(value, prefix);
  if (found) throw new BadRequestException(`${found.path}: ${MESSAGES[found.problem]}`);
}

/**
 * Express middleware, after the body parser and before guards and validation: one check of every
 * JSON body and query string, so no handler (nor the login limiter) ever hands NUL or an unpaired
 * surrogate to PostgreSQL.
 */
export function refuseNulCharacters(req: Request, _res: Response, next: NextFunction): void {
  try {
    assertStorableText(req.query);
    assertStorableText(req.body);
  } catch (err) {
    next(err);
    return;
  }
  next();
}
