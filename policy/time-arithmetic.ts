// Pure date arithmetic on ISO-8601 strings. Deterministic (no clock, no time-zone database):
// workflow code replays it. Parsing an ISO string with an explicit offset or Z is deterministic;
// calendar months are counted in China Standard Time (UTC+8, no daylight saving since 1991),
// because "six months" is judged on the township's calendar, not on UTC's.

import { DAY_MS as MS_PER_DAY, HOUR_MS as MS_PER_HOUR } from './township-calendar.js';

const CHINA_STANDARD_TIME_OFFSET_MS = 8 * MS_PER_HOUR;

export function hoursToMs(hours: number): number {
  return hours * MS_PER_HOUR;
}

export function daysToMs(days: number): number {
  return days * MS_PER_DAY;
}

/** Milliseconds since the epoch; throws on a string that is not a valid date-time. */
export function parseInstant(iso: string): number {
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) {
    throw new RangeError(`不是有效的时间：${iso}`);
  }
  return ms;
}

export function addDays(iso: string, days: number): string {
  return new Date(parseInstant(iso) + daysToMs(days)).toISOString();
}

export function addHours(iso: string, hours: number): string {
  return new Date(parseInstant(iso) + hoursToMs(hours)).toISOString();
}

/**
 * Whole calendar months from start to end in China Standard Time; 0 when end is not after start.
 * A month is reached on the same day-of-month and time of day, clamped to the month's last day
 * (31 Jan → 29 Feb is one month), as people count it.
 */
export function wholeMonthsBetween(startIso: string, endIso: string): number {
  const startMs = parseInstant(startIso);
  const endMs = parseInstant(endIso);
  if (endMs <= startMs) {
    return 0;
  }
  const start = new Date(startMs + CHINA_STANDARD_TIME_OFFSET_MS);
  const end = new Date(endMs + CHINA_STANDARD_TIME_OFFSET_MS);
  let months =
    (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + (end.getUTCMonth() - start.getUTCMonth());
  if (shiftByCalendarMonths(start, months) > end.getTime()) {
    months -= 1;
  }
  return Math.max(0, months);
}

/** `shifted` is a Date whose UTC fields carry local (UTC+8) wall-clock time. */
function shiftByCalendarMonths(shifted: Date, months: number): number {
  const monthIndex = shifted.getUTCMonth() + months;
  const year = shifted.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDayOfTargetMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(shifted.getUTCDate(), lastDayOfTargetMonth);
  const timeOfDayMs = ((shifted.getTime() % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  return Date.UTC(year, month, day) + timeOfDayMs;
}
