// Series for the charts: households by category and by status over time, overdue work and
// escalations per week, and each household's latest per-capita income against the income line.
//
// How the history is reconstructed (kept simple on purpose):
// - a household exists from its `createdAt`;
// - its status at an instant is the one set by its last status-changing audit row at or before it
//   (SUPERVISION_STARTED → 督战中, PAUSED, RESUMED → 督战中, CLOSING_STARTED, CLOSING_ABORTED → 督战中,
//   STABLY_OUT, SUPERVISION_CANCELLED → 终止督战); 已登记 before the first one; a household with no
//   such row at all (written straight into the table) counts with its current status throughout;
// - its category at an instant is the `from` of the first CATEGORY_CHANGED row after it, or its
//   current category when it has not changed since;
// - "by category" counts the households under supervision (not stably out, not cancelled);
// - a task counts as overdue in the week its due date fell in, if it was not done by then (tasks
//   cancelled with the end of a supervision are left out: when they were cancelled is not recorded).

import { townshipDateOf } from '../../config/township-clock.js';
import type { PrismaClient } from '../../db/client.js';
import { HOUSEHOLD_CATEGORIES, HOUSEHOLD_CATEGORY_LABELS } from '../../policy/index.js';
import { DAY_MS } from '../../policy/township-calendar.js';
import {
  ACTIVE_STATUSES,
  HOUSEHOLD_STATUS_LABELS,
  HOUSEHOLD_STATUSES,
  type HouseholdStatus,
} from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';
import { policyLookup } from '../policy-versions.js';
import { type HouseholdRef, iso } from './shared.js';

export const CHART_MAX_WEEKS = 156;

const STATUS_OF_ACTION: Record<string, HouseholdStatus> = {
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

const statusCase = Prisma.raw(
  `CASE a.action ${Object.entries(STATUS_OF_ACTION)
    .map(([action, status]) => `WHEN '${action}' THEN '${status}'`)
    .join(' ')} END`,
);
const statusActions = Prisma.join(Object.keys(STATUS_OF_ACTION).map((a) => Prisma.sql`${a}`));
const activeStatuses = Prisma.join(ACTIVE_STATUSES.map((s) => Prisma.sql`${s}`));

/**
 * Households per status and, under supervision, per category at each week's end: each household's
 * status and category as intervals between its audit rows, counted by PostgreSQL for every week at once.
 */
async function householdsPerWeek(prisma: PrismaClient, ends: Date[], villageId: string | undefined) {
  const villageFilter = villageId ? Prisma.sql`"villageId" = ${villageId}` : Prisma.sql`TRUE`;
  return prisma.$queryRaw<Array<{ i: number; dim: 'status' | 'category'; key: string; n: number }>>`
    WITH ends AS (
      SELECT i::int, t FROM unnest(${ends}::timestamptz[]) WITH ORDINALITY AS x(t, i)
    ), hh AS (
      SELECT id, status, category, "createdAt" FROM "Household" WHERE ${villageFilter}
    ), sev AS (
      SELECT a."householdId" AS hid, a.at, a.id, ${statusCase} AS s
      FROM "AuditLog" a JOIN hh ON hh.id = a."householdId" WHERE a.action IN (${statusActions})
    ), siv AS (
      SELECT hid, s, at AS f, lead(at) OVER (PARTITION BY hid ORDER BY at, id) AS u FROM sev
      UNION ALL SELECT hid, 'REGISTERED', '-infinity'::timestamptz, min(at) FROM sev GROUP BY hid
      UNION ALL SELECT id, status, '-infinity'::timestamptz, NULL FROM hh
        WHERE NOT EXISTS (SELECT 1 FROM sev WHERE sev.hid = hh.id)
    ), cev AS (
      SELECT a."householdId" AS hid, a.at, a.id,
        CASE WHEN jsonb_typeof(a.detail -> 'from') = 'string' THEN a.detail ->> 'from' END AS c
      FROM "AuditLog" a JOIN hh ON hh.id = a."householdId" WHERE a.action = 'CATEGORY_CHANGED'
    ), civ AS (
      SELECT cev.hid, coalesce(cev.c, hh.category) AS c,
        coalesce(lag(cev.at) OVER (PARTITION BY cev.hid ORDER BY cev.at, cev.id), '-infinity'::timestamptz) AS f,
        cev.at AS u
      FROM cev JOIN hh ON hh.id = cev.hid
      UNION ALL SELECT hh.id, hh.category, coalesce(max(cev.at), '-infinity'::timestamptz), NULL
        FROM hh LEFT JOIN cev ON cev.hid = hh.id GROUP BY hh.id, hh.category
    ), week_status AS (
      SELECT e.i, e.t, siv.hid, siv.s
      FROM ends e JOIN siv ON siv.f <= e.t AND (siv.u IS NULL OR siv.u > e.t)
      JOIN hh ON hh.id = siv.hid AND hh."createdAt" <= e.t
    )
    SELECT i, 'status' AS dim, s AS key, count(*)::int AS n FROM week_status GROUP BY i, s
    UNION ALL
    SELECT ws.i, 'category', civ.c, count(*)::int
    FROM week_status ws JOIN civ ON civ.hid = ws.hid AND civ.f <= ws.t AND (civ.u IS NULL OR civ.u > ws.t)
    WHERE ws.s IN (${activeStatuses}) GROUP BY ws.i, civ.c`;
}

/** Overdue tasks (by due date) and escalations opened, per week, counted by PostgreSQL. */
async function workPerWeek(prisma: PrismaClient, ends: Date[], villageId: string | undefined) {
  const inVillage = villageId ? Prisma.sql`AND h."villageId" = ${villageId}` : Prisma.empty;
  return prisma.$queryRaw<Array<{ i: number; overdue: number; escalations: number }>>`
    WITH ends AS (
      SELECT i::int, t FROM unnest(${ends}::timestamptz[]) WITH ORDINALITY AS x(t, i)
    )
    SELECT e.i,
      (SELECT count(*)::int FROM "Task" k JOIN "Household" h ON h.id = k."householdId"
        WHERE k."dueAt" > e.t - interval '7 days' AND k."dueAt" <= e.t AND k.status <> 'CANCELLED'
          AND (k."completedAt" IS NULL OR k."completedAt" > k."dueAt") ${inVillage}) AS overdue,
      (SELECT count(*)::int FROM "Escalation" x JOIN "Task" k ON k.id = x."taskId"
        JOIN "Household" h ON h.id = k."householdId"
        WHERE x."openedAt" > e.t - interval '7 days' AND x."openedAt" <= e.t ${inVillage}) AS escalations
    FROM ends e`;
}

/** The lowest latest incomes: each household's latest visit picked by PostgreSQL (DISTINCT ON). */
async function lowestIncomes(prisma: PrismaClient, now: Date, villageId: string | undefined) {
  const inVillage = villageId ? Prisma.sql`AND h."villageId" = ${villageId}` : Prisma.empty;
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
      r."visitedAt", r."perCapitaIncomeYuan" AS income
    FROM (
      SELECT DISTINCT ON (r."householdId") r."householdId", r."visitedAt", r."perCapitaIncomeYuan"
      FROM "VisitRecord" r WHERE r."visitedAt" <= ${now}
      ORDER BY r."householdId", r."visitedAt" DESC, r.id DESC
    ) r JOIN "Household" h ON h.id = r."householdId" JOIN "Village" v ON v.id = h."villageId"
    WHERE TRUE ${inVillage}
    ORDER BY r."perCapitaIncomeYuan" ASC, h.number ASC
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
  const series = (dim: 'status' | 'category', key: string) =>
    ends.map((_, i) => households.find((r) => r.dim === dim && r.key === key && r.i === i + 1)?.n ?? 0);
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
