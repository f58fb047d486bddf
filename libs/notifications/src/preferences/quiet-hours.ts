export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
}

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

let zones: Set<string> | undefined;
/** A real IANA zone: one the runtime's time-zone database knows by name (not an offset such as "+08:00"). */
export function isIanaTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length > 64 || !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (zones.has(zone)) return true;
  try {
    // Links such as Asia/Calcutta are real zones too, though not in the canonical list.
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The wall-clock minute of the day and the UTC offset (minutes) of `at` in `timeZone`. */
function wallClock(at: Date, timeZone: string): { minute: number; offset: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return { minute: Number(parts.hour) * 60 + Number(parts.minute), offset: Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000) };
}

/**
 * When the quiet hours around `now` end, or null when `now` is not inside them. The window is
 * [start, end) in the zone's wall-clock time and may cross midnight (22:00-08:00).
 */
export function quietUntil(now: Date, q: QuietHours): Date | null {
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return null;
  const { minute, offset } = wallClock(now, q.timeZone);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  const minutesLeft = (end - minute + 1440) % 1440;
  const startOfMinute = now.getTime() - (now.getTime() % 60_000);
  let until = new Date(startOfMinute + minutesLeft * 60_000);
  // Across a daylight-saving change the wall clock moved: correct by the difference in offset.
  const shift = wallClock(until, q.timeZone).offset - offset;
  if (shift) until = new Date(until.getTime() - shift * 60_000);
  return until;
}
