// Reading KeptCount (prisma/migrations/*_board_counts): counts the triggers keep per UTC day or hour
// ("bucket"), so a period's count is its whole buckets' kept sums plus, at either end, the rows of
// the part of a bucket the period only covers partly — whatever the number of households.
import { DAY_MS } from '../../policy/township-calendar.js';

export const HOUR_MS = 3_600_000;

export const startOfUtcDay = (t: Date): Date =>
  new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));

export const startOfUtcHour = (t: Date): Date => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);

/**
 * The period [from, to] by UTC day: its whole days are the buckets in [headEnd, tailFrom); the rows
 * of [from, headEnd) (and ≤ to) and of [tailFrom, to] are read one by one (each less than a day).
 */
export function splitByDay(from: Date, to: Date): { headEnd: Date; tailFrom: Date } {
  const headEnd = new Date(startOfUtcDay(from).getTime() + DAY_MS);
  const tailFrom = new Date(Math.max(startOfUtcDay(to).getTime(), headEnd.getTime()));
  return { headEnd, tailFrom };
}
