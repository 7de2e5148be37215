// Reading KeptCount (prisma/migrations/*_board_counts): counts the triggers keep per UTC day or hour
// ("bucket"), so a period's count is its whole buckets' kept sums plus, at either end, the rows of
// the part of a bucket the period only covers partly — whatever the number of households.
import { DAY_MS } from '../../policy/township-calendar.js';

export const HOUR_MS = 3_600_000;

export const startOfUtcDay = (t: Date): Date =>
  new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));

export const startOfUtcHour = (t: Date): Date => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);

/**
 * The period [from, to] by UTC day: the kept buckets in [headEnd, keptUntil) — its whole days and
 * `to`'s own day whole — plus the rows of [from, headEnd) (and ≤ to), minus the rows of (to,
 * laterUntil): the part of `to`'s day after `to`. The period mostly ends now, and little is dated
 * after now (no visit or exit is recorded ahead of time), so that part is usually empty where
 * `to`'s day up to `to` may hold a day's rows. A period within one day is its rows alone.
 */
export function splitByDay(from: Date, to: Date): { headEnd: Date; keptUntil: Date; laterUntil: Date } {
  const headEnd = new Date(startOfUtcDay(from).getTime() + DAY_MS);
  const toDayEnd = new Date(startOfUtcDay(to).getTime() + DAY_MS);
  const sameDay = toDayEnd.getTime() <= headEnd.getTime();
  return { headEnd, keptUntil: sameDay ? headEnd : toDayEnd, laterUntil: sameDay ? to : toDayEnd };
}
