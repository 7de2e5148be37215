// The township's calendar: which day an instant falls on, and where that day begins and ends, in a
// named IANA time zone. Pure (Intl only, no clock), so workflows, activities, queries and pages
// all count "today" the same way; the zone itself is a setting (TZ, see config/township-time-zone.ts).

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

// Building a formatter costs far more than using one (an export formats a date per row).
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** `2024-05-01`: the calendar date of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    // en-CA writes dates as yyyy-mm-dd.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormats.set(timeZone, format);
  }
  return format.format(instant);
}

/** How far the time zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instantMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(instantMs / 1000) * 1000;
}

/** The instant a local day (yyyy-mm-dd) plus `days` begins in the time zone. */
function startOfLocalDayPlus(day: string, days: number, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const midnight = Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days);
  // Two passes settle the offset on the right side of a daylight-saving change.
  const guess = midnight - zoneOffsetMs(midnight, timeZone);
  return new Date(midnight - zoneOffsetMs(guess, timeZone));
}

/** The instant the local day after `day` (yyyy-mm-dd) begins in the time zone. */
export function endOfLocalDay(day: string, timeZone: string): Date {
  return startOfLocalDayPlus(day, 1, timeZone);
}

export interface TownshipDay {
  /** The calendar date, YYYY-MM-DD. */
  date: string;
  /** 00:00 of that date. */
  start: Date;
  /** 00:00 of the next date (exclusive end). */
  end: Date;
}

/** The day `now` falls on in the time zone, with its bounds. */
export function townshipDay(now: Date, timeZone: string): TownshipDay {
  const date = localDate(now, timeZone);
  return {
    date,
    start: startOfLocalDayPlus(date, 0, timeZone),
    end: startOfLocalDayPlus(date, 1, timeZone),
  };
}

/** How a procedure counts its days: every day, or Monday to Friday only (the township's calendar). */
export type DayCount = 'CALENDAR' | 'WORKING';

const weekdayOf = (day: string): number => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay();
};

const isWorkingDay = (day: string) => weekdayOf(day) !== 0 && weekdayOf(day) !== 6;

/** The local date `days` after `day` (yyyy-mm-dd), as the calendar counts (no zone needed). */
function dayPlus(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/**
 * A deadline `days` days after `startIso`. Calendar days: the same moment that many days later.
 * Working days: the end of the `days`-th working day (Monday to Friday) after the day it started, in
 * the township's zone (a case raised on Friday afternoon with 2 working days is due at the end of
 * Tuesday). Public holidays are not known here; a township that needs them counts calendar days.
 */
export function addTownshipDays(startIso: string, days: number, count: DayCount, timeZone: string): string {
  const start = new Date(startIso);
  if (count === 'CALENDAR') return new Date(start.getTime() + days * DAY_MS).toISOString();
  let day = localDate(start, timeZone);
  for (let counted = 0; counted < days; ) {
    day = dayPlus(day, 1);
    if (isWorkingDay(day)) counted += 1;
  }
  return endOfLocalDay(day, timeZone).toISOString();
}

/**
 * Days from `startIso` to `endIso` as a procedure counts them, whole days rounded up (a case decided
 * within its first day took 1): calendar days of 24 hours, or the working days whose local date
 * falls after the start's and up to the end's (at least 1 once the end is after the start).
 */
export function townshipDaysBetween(
  startIso: string,
  endIso: string,
  count: DayCount,
  timeZone: string,
): number {
  const start = new Date(startIso);
  const end = new Date(endIso);
  if (end.getTime() <= start.getTime()) return 0;
  if (count === 'CALENDAR') return Math.ceil((end.getTime() - start.getTime()) / DAY_MS);
  const last = localDate(end, timeZone);
  let working = 0;
  for (let day = dayPlus(localDate(start, timeZone), 1); day <= last; day = dayPlus(day, 1))
    if (isWorkingDay(day)) working += 1;
  return Math.max(1, working);
}
