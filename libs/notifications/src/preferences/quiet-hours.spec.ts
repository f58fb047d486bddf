import { isIanaTimeZone, quietUntil } from './quiet-hours';
import { mutePatternsOf, MUTE_PATTERN } from './preferences.dto';

describe('quiet hours', () => {
  const shanghai = { start: '22:00', end: '08:00', timeZone: 'Asia/Shanghai' };

  it('holds until the end of a window that crosses midnight, in the zone of the user', () => {
    // 23:30 in Shanghai (UTC+8) → 08:00 the next morning there.
    expect(quietUntil(new Date('2026-12-02T15:30:20Z'), shanghai)?.toISOString()).toBe('2026-12-03T00:00:00.000Z');
    // 07:59 there → one minute left.
    expect(quietUntil(new Date('2026-12-02T23:59:00Z'), shanghai)?.toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });

  it('is not quiet outside the window, nor at its end', () => {
    expect(quietUntil(new Date('2026-12-02T00:00:00Z'), shanghai)).toBeNull(); // 08:00 there
    expect(quietUntil(new Date('2026-12-02T06:00:00Z'), shanghai)).toBeNull(); // 14:00 there
    expect(quietUntil(new Date('2026-12-02T13:59:00Z'), shanghai)).toBeNull(); // 21:59 there
  });

  it('handles a window within one day', () => {
    const lunch = { start: '12:00', end: '13:30', timeZone: 'UTC' };
    expect(quietUntil(new Date('2026-12-02T12:10:00Z'), lunch)?.toISOString()).toBe('2026-12-02T13:30:00.000Z');
    expect(quietUntil(new Date('2026-12-02T13:30:00Z'), lunch)).toBeNull();
  });

  it('ends at the wall-clock time across a daylight-saving change', () => {
    // Berlin moves from UTC+1 to UTC+2 on 2026-03-29; 08:00 local that morning is 06:00 UTC.
    expect(quietUntil(new Date('2026-03-28T22:30:00Z'), { start: '22:00', end: '08:00', timeZone: 'Europe/Berlin' })?.toISOString()).toBe('2026-03-29T06:00:00.000Z');
  });

  it('accepts real IANA zones only', () => {
    for (const z of ['Asia/Shanghai', 'UTC', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta']) expect(isIanaTimeZone(z)).toBe(true);
    for (const z of ['Mars/Olympus', '+08:00', 'GMT+8', '', 'Asia/Shanghai; DROP', 42]) expect(isIanaTimeZone(z)).toBe(false);
  });
});

describe('mute patterns', () => {
  it('a type is muted by itself, by each prefix with .*, and by *', () => {
    expect(mutePatternsOf('order.updated')).toEqual(['order.updated', 'order.*', '*']);
    expect(mutePatternsOf('erp.stock.low')).toEqual(['erp.stock.low', 'erp.*', 'erp.stock.*', '*']);
  });

  it('accepts types, prefixes and * only', () => {
    for (const p of ['order.updated', 'payment.*', '*', 'erp.stock.*']) expect(MUTE_PATTERN.test(p)).toBe(true);
    for (const p of ['order', 'Order.paid', 'order.*.paid', '*.paid', 'order.', '.*', 'order.**']) expect(MUTE_PATTERN.test(p)).toBe(false);
  });
});
