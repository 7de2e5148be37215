// Series for the charts: households by category and by status over time, overdue work and
// escalations per week, and each household's latest per-capita income against the income line.
//
// How the history is reconstructed (kept simple on purpose; the triggers of the household_standing
// migration apply these rules on every write, into HouseholdStateChange and HouseholdCountDelta):
// - a household exists from its `createdAt`;
// - its status at an instant is the one set by its last status-changing audit row at or before it
//   (SUPERVISION_STARTED → 督战中, PAUSED, RESUMED → 督战中, CLOSING_STARTED, CLOSING_ABORTED → 督战中,
//   STABLY_OUT, SUPERVISION_CANCELLED → 终止督战); 已登记 before the first one; a household with no
//   such row at all (written straight into the table) counts with its current status throughout;
// - its category at an instant is the `from` of the first CATEGORY_CHANGED row after it, or its
//   current category when it has not changed since;
// - "by category" counts the households under supervision (not stably out, not cancelled);
// - a task counts as overdue in the week its due date fell in, if it was not done by then (tasks
//   cancelled with the end of a supervision are left out: when they were cancelled is not recorded);
//   the triggers of the board_counts migration keep these, and the escalations opened, per hour.

import { townshipDateOf } from '../../config/township-clock.js';
import type { PrismaClient } from '../../db/client.js';
import { HOUSEHOLD_CATEGORIES, HOUSEHOLD_CATEGORY_LABELS } from '../../policy/index.js';
import { DAY_MS } from '../../policy/township-calendar.js';
import {
  ACTIVE_STATUSES,
  HOUSEHOLD_STATUS_LABELS,
  HOUSEHOLD_STATUSES,
  type HouseholdStatus,
  TASK_STATUS_LABELS,
} from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';
import { policyLookup } from '../policy-versions.js';
import { HOUR_MS, startOfUtcHour } from './kept-counts.js';
import { type HouseholdRef, iso } from './shared.js';

export const CHART_MAX_WEEKS = 156;

/**
 * The audit actions that set a household's status. The migration's SQL function
 * status_of_action_household_standing applies this map (test/domain/household-standing.test.ts
 * holds the two equal).
 */
export const STATUS_OF_ACTION: Record<string, HouseholdStatus> = {
  SUPERVISION_STARTED: 'SUPERVISED',
  PAUSED: 'PAUSED',
  RESUMED: 'SUPERVISED',
  CLOSING_STARTED: 'CLOSING',
  CLOSING_ABORTED: 'SUPERVISED',
  STABLY_OUT: 'STABLY_OUT',
  SUPERVISION_CANCELLED: 'CANCELLED',
};

export interface ChartSeriesLine {
  key: string;
  label: string;
  /** One value per week, aligned with `labels`. */
  values: number[];
}

export interface IncomePoint extends HouseholdRef {
  incomeYuan: number;
  visitedAt: string;
  /** The income line of the household's own policy. */
  lineYuan: number;
  belowLine: boolean;
}

export interface ChartSeries {
  generatedAt: string;
  /** The Asia/Shanghai date each week ends on (the last one is `now`'s), oldest first. */
  labels: string[];
  weeks: Array<{ start: string; end: string }>;
  /** Households under supervision, per category, at the end of each week. */
  categories: ChartSeriesLine[];
  /** Households per status at the end of each week (only households that existed by then). */
  statuses: ChartSeriesLine[];
  /** Tasks whose due date fell in the week and that were not done by it. */
  overdueTasks: number[];
  /** Escalation rungs reached in the week. */
  escalationsOpened: number[];
  /** Latest per-capita income of the visited households with the lowest, lowest first (at most INCOME_POINTS). */
  income: { lineYuan: number; households: IncomePoint[] };
}

/** At most this many households in the income chart: the lowest incomes, the ones the chart is for. */
export const INCOME_POINTS = 200;

/**
 * Households per `<status>/<category>` at each week's end: the per-day net changes
 * (HouseholdCountDelta, kept by triggers from the audit rows and the household rows) of the days
 * before the end's day, plus that day's own changes up to the end (HouseholdStateChange). The cost
 * grows with the days of history, not with the households.
 */
async function householdsPerWeek(prisma: PrismaClient, ends: Date[], villageId: string | undefined) {
  const days = ends.map((t) => t.toISOString().slice(0, 10)); // HouseholdCountDelta's days are UTC
  const inVillage = villageId ? Prisma.sql`AND c."villageId" = ${villageId}` : Prisma.empty;
  const rows = await prisma.$queryRaw<Array<{ part: 'before' | 'day'; i: number; key: string; n: number }>>`
    SELECT 'before' AS part, width_bucket(d.day, ${days}::date[])::int AS i, d.key, sum(d.delta)::int AS n
    FROM "HouseholdCountDelta" d WHERE d.scope = ${villageId ?? ''} GROUP BY 2, 3
    UNION ALL
    SELECT 'day', e.i::int, c.key, sum(c.delta)::int
    FROM unnest(${ends}::timestamptz[]) WITH ORDINALITY AS e(t, i)
    JOIN "HouseholdStateChange" c
      ON c.at >= (e.t AT TIME ZONE 'UTC')::date AND c.at <= (e.t AT TIME ZONE 'UTC') ${inVillage}
    GROUP BY 2, 3`;
  // Bucket b holds the days on or after end b's day and before end b+1's: end i counts buckets < i.
  const counts = ends.map(() => new Map<string, number>());
  const add = (i: number, key: string, n: number) => {
    const week = counts[i];
    if (week) week.set(key, (week.get(key) ?? 0) + n);
  };
  for (const r of rows) {
    if (r.part === 'day') add(r.i - 1, r.key, r.n);
    else for (let i = r.i; i < ends.length; i += 1) add(i, r.key, r.n);
  }
  return counts.map((week) =>
    [...week.entries()].map(([key, n]) => {
      const [status = '', category = ''] = key.split('/');
      return { status, category, n };
    }),
  );
}

/** The task statuses a late task may have (every one but CANCELLED), so Task (status, dueAt) serves its ranges. */
const NOT_CANCELLED = Object.keys(TASK_STATUS_LABELS).filter((s) => s !== 'CANCELLED');

/**
 * Overdue tasks (by due date) and escalations opened, per week: the hours a week covers whole are
 * summed from the counts the `board_counts` triggers keep per UTC hour (KeptCount `late-task`,
 * `escalation-opened`), and the rows of the part of an hour at either end of the week are counted
 * one by one — a few hundred rows a week, whatever the number of households.
 */
async function workPerWeek(prisma: PrismaClient, ends: Date[], villageId: string | undefined) {
  const starts = ends.map((t) => new Date(t.getTime() - 7 * DAY_MS));
  // The week is (start, end]: its whole hours are [headEnd, tailFrom).
  const headEnds = starts.map((t) => new Date(startOfUtcHour(t).getTime() + HOUR_MS));
  const tailFroms = ends.map(
    (t, i) => new Date(Math.max(startOfUtcHour(t).getTime(), headEnds[i]?.getTime() ?? 0)),
  );
  // The township's counts are kept in shards (their keys): summed.
  const ofScope = villageId
    ? Prisma.sql`c.dim = 'village' AND c.key = ${villageId}`
    : Prisma.sql`c.dim = 'township'`;
  // The household is joined only to filter a village: every task has one (a foreign key).
  const taskInVillage = villageId
    ? Prisma.sql`AND EXISTS (SELECT 1 FROM "Household" h WHERE h.id = k."householdId" AND h."villageId" = ${villageId})`
    : Prisma.empty;
  const escalationInVillage = villageId
    ? Prisma.sql`AND EXISTS (SELECT 1 FROM "Task" k JOIN "Household" h ON h.id = k."householdId"
        WHERE k.id = x."taskId" AND h."villageId" = ${villageId})`
    : Prisma.empty;
  const late = Prisma.sql`k.status IN (${Prisma.join(NOT_CANCELLED)})
    AND (k."completedAt" IS NULL OR k."completedAt" > k."dueAt") ${taskInVillage}`;
  const kept = (kind: string) => Prisma.sql`(SELECT coalesce(sum(c.n), 0) FROM "KeptCount" c
    WHERE c.kind = ${kind} AND ${ofScope} AND c.bucket >= w."headEnd" AND c.bucket < w."tailFrom")`;
  return prisma.$queryRaw<Array<{ i: number; overdue: number; escalations: number }>>`
    WITH w AS (
      SELECT i::int, s, e, "headEnd", "tailFrom"
      FROM unnest(${starts}::timestamptz[], ${ends}::timestamptz[], ${headEnds}::timestamptz[], ${tailFroms}::timestamptz[])
        WITH ORDINALITY AS x(s, e, "headEnd", "tailFrom", i)
    )
    SELECT w.i,
      (${kept('late-task')}
        + (SELECT count(*) FROM "Task" k WHERE k."dueAt" > w.s AND k."dueAt" < w."headEnd" AND k."dueAt" <= w.e AND ${late})
        + (SELECT count(*) FROM "Task" k WHERE k."dueAt" >= w."tailFrom" AND k."dueAt" <= w.e AND ${late}))::int AS overdue,
      (${kept('escalation-opened')}
        + (SELECT count(*) FROM "Escalation" x
            WHERE x."openedAt" > w.s AND x."openedAt" < w."headEnd" AND x."openedAt" <= w.e ${escalationInVillage})
        + (SELECT count(*) FROM "Escalation" x
            WHERE x."openedAt" >= w."tailFrom" AND x."openedAt" <= w.e ${escalationInVillage}))::int AS escalations
    FROM w`;
}

/**
 * The lowest latest incomes: each household's latest visit is in HouseholdStanding (kept by
 * triggers), read in income order; a household whose latest visit is after `now` (a chart of the
 * past) has its latest visit up to `now` picked from its visits.
 */
async function lowestIncomes(prisma: PrismaClient, now: Date, villageId: string | undefined) {
  const inVillage = villageId ? Prisma.sql`AND s."villageId" = ${villageId}` : Prisma.empty;
  return prisma.$queryRaw<
    Array<{
      id: string;
      number: string;
      headName: string;
      villageId: string;
      villageName: string;
      policyVersion: string | null;
      visitedAt: Date;
      income: Prisma.Decimal;
    }>
  >`
    SELECT h.id, h.number, h."headName", h."villageId", v.name AS "villageName", h."policyVersion",
      r."visitedAt", r.income
    FROM (
      (SELECT s."householdId", s."lastVisitAt" AS "visitedAt", s."lastIncomeYuan" AS income, s.number
        FROM "HouseholdStanding" s
        WHERE s."lastVisitAt" <= ${now} AND s."lastIncomeYuan" IS NOT NULL ${inVillage}
        ORDER BY s."lastIncomeYuan" ASC, s.number ASC LIMIT ${INCOME_POINTS})
      UNION ALL
      (SELECT DISTINCT ON (r."householdId") r."householdId", r."visitedAt", r."perCapitaIncomeYuan", s.number
        FROM "HouseholdStanding" s JOIN "VisitRecord" r ON r."householdId" = s."householdId"
        WHERE s."lastVisitAt" > ${now} AND r."visitedAt" <= ${now} ${inVillage}
        ORDER BY r."householdId", r."visitedAt" DESC, r.id DESC)
    ) r JOIN "Household" h ON h.id = r."householdId" JOIN "Village" v ON v.id = h."villageId"
    ORDER BY r.income ASC, r.number ASC
    LIMIT ${INCOME_POINTS}`;
}

/** Weekly series over the `weeks` weeks ending at `now` (optionally one village only). */
export async function chartSeries(
  prisma: PrismaClient,
  args: { now: Date; weeks: number; villageId?: string },
): Promise<ChartSeries> {
  const { now, weeks, villageId } = args;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > CHART_MAX_WEEKS)
    throw new DomainError('INVALID', `周数必须是 1 到 ${CHART_MAX_WEEKS} 之间的整数`);
  const ends = Array.from(
    { length: weeks },
    (_, i) => new Date(now.getTime() - (weeks - 1 - i) * 7 * DAY_MS),
  );

  const [households, work, incomes, policyOf] = await Promise.all([
    householdsPerWeek(prisma, ends, villageId),
    workPerWeek(prisma, ends, villageId),
    lowestIncomes(prisma, now, villageId),
    policyLookup(prisma),
  ]);
  const active = new Set<string>(ACTIVE_STATUSES);
  const series = (dim: 'status' | 'category', key: string) =>
    households.map((week) =>
      week.reduce(
        (sum, r) =>
          sum +
          (dim === 'status'
            ? r.status === key
              ? r.n
              : 0
            : r.category === key && active.has(r.status)
              ? r.n
              : 0),
        0,
      ),
    );
  const perWeek = (pick: (r: (typeof work)[number]) => number) =>
    ends.map((_, i) => {
      const row = work.find((r) => r.i === i + 1);
      return row ? pick(row) : 0;
    });

  const lineYuan = policyOf(null).incomeLineYuanPerPersonYear;
  const income: IncomePoint[] = incomes
    .map((v) => {
      const incomeYuan = v.income.toNumber();
      const line = policyOf(v.policyVersion).incomeLineYuanPerPersonYear;
      return {
        id: v.id,
        number: v.number,
        headName: v.headName,
        village: { id: v.villageId, name: v.villageName },
        incomeYuan,
        visitedAt: iso(v.visitedAt),
        lineYuan: line,
        belowLine: incomeYuan < line,
      };
    })
    .sort((a, b) => a.incomeYuan - b.incomeYuan || a.number.localeCompare(b.number));

  return {
    generatedAt: iso(now),
    labels: ends.map((t) => townshipDateOf(t)),
    weeks: ends.map((t) => ({ start: iso(new Date(t.getTime() - 7 * DAY_MS)), end: iso(t) })),
    categories: HOUSEHOLD_CATEGORIES.map((key) => ({
      key,
      label: HOUSEHOLD_CATEGORY_LABELS[key],
      values: series('category', key),
    })),
    statuses: HOUSEHOLD_STATUSES.map((key) => ({
      key,
      label: HOUSEHOLD_STATUS_LABELS[key],
      values: series('status', key),
    })),
    overdueTasks: perWeek((r) => r.overdue),
    escalationsOpened: perWeek((r) => r.escalations),
    income: { lineYuan, households: income },
  };
}
