import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HANDSHAKE_ERROR_CODES, HTTP_ERROR_CODES } from '@herald/contracts';
import { defaultErrorCode } from '@herald/common';

/**
 * `code` is a contract (HTTP_ERROR_CODES, also the OpenAPI enum): every code an HTTP error is thrown
 * with in the server's sources must be listed there, so a new one cannot slip out undocumented.
 */
const LIBS = resolve(__dirname, '../../../../libs');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('HTTP error codes', () => {
  it('every code thrown in an HttpException body (or an AuthError) is in HTTP_ERROR_CODES', () => {
    const thrown = new Map<string, string>();
    for (const file of sources(LIBS)) {
      const text = readFileSync(file, 'utf8');
      // new XxxException({ … code: 'x' … }) and new HttpException({ statusCode, …, code: 'x' }, status)
      for (const m of text.matchAll(/Exception\(\s*\{(?:[^{}]|\{[^{}]*\})*?\bcode: '([a-z_]+)'/g)) thrown.set(m[1], file);
      for (const m of text.matchAll(/AuthError\('([a-z_]+)'/g)) thrown.set(m[1], file);
    }
    expect(thrown.size).toBeGreaterThan(5); // the scan finds them at all
    const unlisted = [...thrown].filter(([code]) => !(HTTP_ERROR_CODES as readonly string[]).includes(code));
    expect(unlisted).toEqual([]);
  });

  it('the status defaults and the handshake codes are listed too', () => {
    for (const status of [400, 401, 403, 404, 409, 413, 415, 429, 500, 503]) expect(HTTP_ERROR_CODES).toContain(defaultErrorCode(status));
    for (const code of HANDSHAKE_ERROR_CODES) expect(HTTP_ERROR_CODES).toContain(code);
  });
});
