// The township's clock: which time zone the township is in (TZ, validated by config/env.ts when a
// process starts, else China Standard Time), and "today" / "the date of" in that zone. Pages,
// queries, downloads and e-mails read it here; the arithmetic is policy/township-calendar.ts.
import { localDate, type TownshipDay, townshipDay } from '../policy/township-calendar.js';

const FALLBACK = 'Asia/Shanghai';

/** An IANA time zone name this Node knows (Asia/Shanghai, Europe/Berlin…). */
export function isTimeZone(name: string | undefined): name is string {
  if (!name) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function townshipTimeZone(): string {
  const tz = process.env.TZ;
  return isTimeZone(tz) ? tz : FALLBACK;
}

/** The day `now` falls on in the township, with its bounds. */
export const townshipToday = (now: Date): TownshipDay => townshipDay(now, townshipTimeZone());

/** The township's calendar date of an instant, YYYY-MM-DD. */
export const townshipDateOf = (at: Date | string): string =>
  localDate(typeof at === 'string' ? new Date(at) : at, townshipTimeZone());
