import { BadRequestException } from '@nestjs/common';
import { assertStorableText, findNulCharacter, findUnstorableText, refuseNulCharacters } from './nul-character';

describe('findNulCharacter', () => {
  it('finds nothing in clean input of any shape', () => {
    expect(findNulCharacter({ a: 'x', b: [1, 'y', { c: null, d: true }], e: 2 })).toBeUndefined();
    expect(findNulCharacter(undefined)).toBeUndefined();
    expect(findNulCharacter('plain')).toBeUndefined();
    expect(findNulCharacter({ escaped: '\\u0000 as six characters' })).toBeUndefined();
  });

  it('names the path of a string holding NUL, in nested objects and arrays', () => {
    expect(findNulCharacter({ customer: 'ACME\u0000' })).toBe('customer');
    expect(findNulCharacter({ items: [{ name: 'ok' }, { name: 'a\u0000b' }] })).toBe('items.1.name');
    expect(findNulCharacter({ data: { note: '\u0000' } })).toBe('data.note');
    expect(findNulCharacter({ to: { userIds: ['1', '2\u0000'] } })).toBe('to.userIds.1');
    expect(findNulCharacter('\u0000')).toBe('(body)');
    expect(findNulCharacter({ a: '\u0000' }, 'query')).toBe('query.a');
  });

  it('names an object key holding NUL, shown as the escape', () => {
    expect(findNulCharacter({ data: { 'bad\u0000key': 1 } })).toBe('data.bad\\u0000key');
    expect(findNulCharacter({ '\u0000': 'x' })).toBe('\\u0000');
  });

  it('walks wide and deep input without recursion', () => {
    const wide = { list: Array.from({ length: 100_000 }, (_, i) => (i === 99_999 ? 'x\u0000' : 'x')) };
    expect(findNulCharacter(wide)).toBe('list.99999');
    let deep: unknown = '\u0000';
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    expect(findNulCharacter(deep)).toMatch(/^(a\.){19999}a$/);
  });
});

describe('findUnstorableText', () => {
  it('finds unpaired surrogates (jsonb refuses them) in strings and keys, and leaves pairs alone', () => {
    expect(findUnstorableText({ emoji: '😀 漢字 é', [`k😀`]: ['\ud83d\ude00'] })).toBeUndefined();
    expect(findUnstorableText({ data: { x: 'a\ud800' } })).toEqual({ path: 'data.x', problem: 'lone-surrogate' });
    expect(findUnstorableText({ data: { x: '\udc00b' } })).toEqual({ path: 'data.x', problem: 'lone-surrogate' });
    expect(findUnstorableText({ data: { x: '\ude00\ud83d' } })).toEqual({ path: 'data.x', problem: 'lone-surrogate' }); // reversed pair
    expect(findUnstorableText({ data: { ['\udc00']: 1 } })).toEqual({ path: 'data.\\udc00', problem: 'lone-surrogate' });
    expect(findUnstorableText({ t: 'x\u0000\ud800' })).toEqual({ path: 't', problem: 'nul' });
  });

  it('says which in the 400', () => {
    expect(() => assertStorableText({ data: { x: '\ud800' } })).toThrow('data.x: must be valid Unicode text (it holds an unpaired surrogate, \\ud800-\\udfff)');
  });
});

describe('assertStorableText / refuseNulCharacters', () => {
  it('throws a 400 that names the field', () => {
    expect(() => assertStorableText({ customer: 'x\u0000' })).toThrow(BadRequestException);
    expect(() => assertStorableText({ customer: 'x\u0000' })).toThrow('customer: must not contain the NUL character (\\u0000)');
  });

  it('passes the error on for the body or the query, and calls next() once for clean requests', () => {
    const run = (req: object) => {
      const next = jest.fn();
      refuseNulCharacters(req as never, {} as never, next);
      return next.mock.calls;
    };
    expect(run({ query: {}, body: { a: 'ok' } })).toEqual([[]]);
    const [[bodyError]] = run({ query: {}, body: { title: '\u0000' } });
    expect((bodyError as BadRequestException).message).toBe('title: must not contain the NUL character (\\u0000)');
    const [[queryError]] = run({ query: { status: '\u0000' }, body: undefined });
    expect((queryError as BadRequestException).getStatus()).toBe(400);
    expect((queryError as BadRequestException).message).toMatch(/^status: /);
  });
});
