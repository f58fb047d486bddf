import { jsonNestedDeeperThan, MAX_JSON_DEPTH, refuseDeepJson } from './json-depth';

const nested = (levels: number, open = '{"a":', close = '}') => open.repeat(levels) + '1' + close.repeat(levels);
const verify = (text: string, encoding = 'utf-8', bytes: Buffer = Buffer.from(text)) =>
  refuseDeepJson({} as never, {} as never, bytes, encoding);

describe('jsonNestedDeeperThan', () => {
  it('counts objects and arrays, and allows exactly the limit', () => {
    expect(jsonNestedDeeperThan(nested(32), 32)).toBe(false);
    expect(jsonNestedDeeperThan(nested(33), 32)).toBe(true);
    expect(jsonNestedDeeperThan(nested(33, '[', ']'), 32)).toBe(true);
    expect(jsonNestedDeeperThan(nested(17, '{"a":[', ']}'), 33)).toBe(true); // 34 levels, mixed
    expect(jsonNestedDeeperThan(nested(16, '{"a":[', ']}'), 32)).toBe(false); // 32 levels, mixed
  });

  it('counts siblings by depth, not by number', () => {
    expect(jsonNestedDeeperThan(JSON.stringify({ a: Array.from({ length: 10_000 }, () => ({ b: [1] })) }), 4)).toBe(false); // {a:[{b:[ is 4 levels
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestedDeeperThan(JSON.stringify({ a: '{'.repeat(100), b: '[[[["\\"{{{{' }), 1)).toBe(false);
    expect(jsonNestedDeeperThan('{"a\\\\":{"b":1}}', 1)).toBe(true); // the backslash is escaped: the string ends after it
    expect(jsonNestedDeeperThan(JSON.stringify({ k: 'é{ü[漢' }), 1)).toBe(false);
  });

  it('scans UTF-8 bytes as it scans text', () => {
    const text = JSON.stringify({ 'ключ': [{ '漢字': '[{"' }] });
    expect(jsonNestedDeeperThan(Buffer.from(text), 2)).toBe(jsonNestedDeeperThan(text, 2));
    expect(jsonNestedDeeperThan(Buffer.from(text), 3)).toBe(false);
  });

  it('stops at the first level too deep, so 40,000 levels cost no more than a flat body', () => {
    const deep = Buffer.from(nested(40_000));
    const flat = Buffer.from(JSON.stringify({ a: 'x'.repeat(deep.length) }));
    const time = (b: Buffer) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 50; i++) jsonNestedDeeperThan(b, MAX_JSON_DEPTH);
      return Number(process.hrtime.bigint() - t0);
    };
    time(flat);
    expect(time(deep)).toBeLessThan(time(flat));
  });
});

describe('refuseDeepJson (body-parser verify hook)', () => {
  it('throws a 400 naming the limit beyond 32 levels, and lets 32 through', () => {
    expect(() => verify(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => verify(nested(MAX_JSON_DEPTH + 1))).toThrow(expect.objectContaining({
      status: 400, statusCode: 400, expose: true, type: 'entity.too.deep', message: 'The request body is nested deeper than 32 levels.',
    }));
  });

  it('decodes UTF-16 bodies (either byte order) before scanning', () => {
    const deep = nested(40);
    expect(() => verify(deep, 'utf-16le', Buffer.from(deep, 'utf16le'))).toThrow(/deeper than 32/);
    const be = Buffer.from(deep, 'utf16le').swap16();
    expect(() => verify(deep, 'utf-16be', be)).toThrow(/deeper than 32/);
    expect(() => verify(deep, 'utf-16', Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toThrow(/deeper than 32/);
    // U+7B00 is 0x00 0x7B in UTF-16LE: a byte scan would count it as "{".
    const cjk = JSON.stringify({ a: '\u7b00'.repeat(100) });
    expect(() => verify(cjk, 'utf-16le', Buffer.from(cjk, 'utf16le'))).not.toThrow();
  });

  it('refuses charsets that could hide brackets from the scan (UTF-7, UTF-32) with 415', () => {
    expect(() => verify('+AHsAIgBh-', 'utf-7')).toThrow(expect.objectContaining({ status: 415, type: 'charset.unsupported' }));
    expect(() => verify('{}', 'utf-32')).toThrow(expect.objectContaining({ status: 415 }));
  });
});
