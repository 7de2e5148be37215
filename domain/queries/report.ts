// 调度会 report: what the periodic dispatch meeting reviews — overdue work, escalations, households
// at risk, progress toward a stable exit, new households and exits, village by village. Plain data;
// the printable page and the download are the HTTP layer's.

import { townshipDateOf } from '../../config/township-clock.js';
import type { PrismaClient } from '../../db/client.js';
import { HOUSEHOLD_CATEGORIES, type HouseholdCategory } from '../../policy/index.js';
import { DAY_MS } from '../../policy/township-calendar.js';
import { ACTIVE_STATUSES, categoryLabel, statusLabel } from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';
import { boardCounts } from './board.js';
import { splitByDay } from './kept-counts.js';
import { type BoardEscalationRow, loadFirstEscalations, loadOverdueTasks } from './list-rows.js';
import { type PageInfo, type PageRequest, pageSize } from './pagination.js';
import { iso, type TaskRow } from './shared.js';
import {
  type AtRiskRow,
  type ExitProgress,
  type HouseholdSummaryRow,
  householdStanding,
} from './standing.js';

export interface VillageSummary {
  village: { id: string; name: string; isPoor: boolean };
  households: number;
  byCategory: Record<HouseholdCategory, number>;
  underSupervision: number;
  stablyOut: number;
  overdueTasks: number;
  openEscalations: number;
  atRisk: number;
  visitsInPeriod: number;
  newHouseholds: number;
  exits: number;
}

export interface DispatchReport {
  title: string;
  generatedAt: string;
  period: {
    since: string;
    until: string;
    /** Asia/Shanghai calendar dates of the period's ends, YYYY-MM-DD. */
    sinceDate: string;
    untilDate: string;
    days: number;
  };
  summary: {
    households: number;
    underSupervision: number;
    stablyOut: number;
    cancelled: number;
    overdueTasks: number;
    openEscalations: number;
    escalationsOpened: number;
    escalationsClosed: number;
    householdsAtRisk: number;
    newHouseholds: number;
    exits: number;
    visits: number;
    compliantVisits: number;
    tasksCompleted: number;
  };
  /** This page of the tasks open and past due at the report's time, highest rung first. */
  overdueTasks: TaskRow[];
  escalations: {
    openedInPeriod: BoardEscalationRow[];
    closedInPeriod: BoardEscalationRow[];
    /** Open at the report's time (whenever opened). */
    stillOpen: BoardEscalationRow[];
  };
  householdsAtRisk: AtRiskRow[];
  progress: ExitProgress;
  /** Registered (Household.createdAt) in the period. */
  newHouseholds: Array<HouseholdSummaryRow & { createdAt: string }>;
  /** Stable exits decided in the period (ExitAssessment STABLY_OUT). */
  exits: Array<{ household: HouseholdSummaryRow; decidedAt: string }>;
  /** Supervision ended otherwise in the period (moved away, deceased…), from the audit log. */
  cancellations: Array<{ household: HouseholdSummaryRow; at: string; reason: string | null }>;
  villages: VillageSummary[];
  /** The pages of the two long lists; the period's lists show their first `limit` rows (counts in `summary`). */
  pages: { overdueTasks: PageInfo; householdsAtRisk: PageInfo };
}

export interface ReportPages {
  overdueTasks?: PageRequest;
  householdsAtRisk?: PageRequest;
  /** How many rows each of the period's lists shows (default and maximum as for every page). */
  limit?: number;
}

/** A household as the period's lists show it, with its village: columns of one statement. */
type SummarySqlRow = {
  id: string;
  number: string;
  headName: string;
  villageId: string;
  villageName: string;
  category: string;
  status: string;
};

const summaryColumns = Prisma.sql`h.id, h.number, h."headName", v.id AS "villageId", v.name AS "villageName",
  h.category, h.status`;

const summaryOf = (h: SummarySqlRow): HouseholdSummaryRow => ({
  id: h.id,
  number: h.number,
  headName: h.headName,
  village: { id: h.villageId, name: h.villageName },
  category: h.category,
  categoryLabel: categoryLabel(h.category),
  status: h.status,
  statusLabel: statusLabel(h.status),
});

/**
 * The period's first rows of its three lists — households registered (one range of Household
 * (createdAt, id)), stable exits (of ExitAssessment (decision, decidedAt)) and cancellations (of
 * AuditLog (action, at)) — in one statement, each list's rows with their household and village.
 */
async function periodLists(prisma: PrismaClient, since: Date, now: Date, limit: number) {
  const rows = await prisma.$queryRaw<
    Array<SummarySqlRow & { list: 'new' | 'exit' | 'cancel'; at: Date; reason: string | null }>
  >`
    SELECT ${summaryColumns}, l.list, l.at, l.reason FROM (
      (SELECT 'new' AS list, 1 AS o, row_number() OVER (ORDER BY "createdAt", id) AS n,
        id AS "householdId", "createdAt" AS at, NULL::text AS reason
      FROM "Household" WHERE "createdAt" >= ${since} AND "createdAt" <= ${now}
      ORDER BY "createdAt", id LIMIT ${limit})
      UNION ALL
      (SELECT 'exit', 2, row_number() OVER (ORDER BY "decidedAt", id), "householdId", "decidedAt", NULL
      FROM "ExitAssessment" WHERE decision = 'STABLY_OUT' AND "decidedAt" >= ${since} AND "decidedAt" <= ${now}
      ORDER BY "decidedAt", id LIMIT ${limit})
      UNION ALL
      -- The reason is the audit row's detail.reason when that is a string.
      (SELECT 'cancel', 3, row_number() OVER (ORDER BY at, id), "householdId", at,
        CASE WHEN jsonb_typeof(detail -> 'reason') = 'string' THEN detail ->> 'reason' END
      FROM "AuditLog"
      WHERE action = 'SUPERVISION_CANCELLED' AND at >= ${since} AND at <= ${now} AND "householdId" IS NOT NULL
      ORDER BY at, id LIMIT ${limit})
    ) l JOIN "Household" h ON h.id = l."householdId" JOIN "Village" v ON v.id = h."villageId"
    ORDER BY l.o, l.n`;
  const of = (list: string) => rows.filter((r) => r.list === list);
  return [of('new'), of('exit'), of('cancel')] as const;
}

/** The period's escalations opened and closed, and its tasks done: one statement, three index ranges. */
async function periodTotals(prisma: PrismaClient, since: Date, now: Date) {
  const [totals] = await prisma.$queryRaw<
    Array<{ escalationsOpened: number; escalationsClosed: number; tasksCompleted: number }>
  >`
    SELECT
      (SELECT count(*) FROM "Escalation" WHERE "openedAt" >= ${since} AND "openedAt" <= ${now})::int AS "escalationsOpened",
      (SELECT count(*) FROM "Escalation" WHERE "closedAt" >= ${since} AND "closedAt" <= ${now})::int AS "escalationsClosed",
      (SELECT count(*) FROM "Task" WHERE status = 'DONE' AND "completedAt" >= ${since} AND "completedAt" <= ${now})::int
        AS "tasksCompleted"`;
  return totals ?? { escalationsOpened: 0, escalationsClosed: 0, tasksCompleted: 0 };
}

/**
 * Per village: the period's visits (and the compliant ones) and its stable exits — the kept per-day
 * counts (`visit`, `compliant-visit`, `exit`) of its whole days and of `now`'s day, the rows of the
 * part of a day it starts in, less the rows of `now`'s day after `now` (splitByDay) — and the
 * households registered in it (one range of Household (createdAt, id)). One statement: each costs the
 * client about a millisecond of CPU, whatever it reads.
 */
async function periodCountsByVillage(prisma: PrismaClient, since: Date, now: Date) {
  const { headEnd, keptUntil, laterUntil } = splitByDay(since, now);
  // The rows of the two parts of a day: those of the period's first day (+1), those after `now` (−1).
  const visitsIn = (sign: number, range: Prisma.Sql) => Prisma.sql`
    SELECT h."villageId", ${sign}::int, CASE WHEN r.compliant THEN ${sign}::int ELSE 0 END, 0, 0
    FROM "VisitRecord" r JOIN "Household" h ON h.id = r."householdId" WHERE ${range}`;
  // Each exit looked up by its household for its village (a join may hash every household).
  const exitsIn = (sign: number, range: Prisma.Sql) => Prisma.sql`
    SELECT (SELECT h."villageId" FROM "Household" h WHERE h.id = x."householdId"), 0, 0, ${sign}::int, 0
    FROM "ExitAssessment" x WHERE x.decision = 'STABLY_OUT' AND ${range}`;
  const first = (column: Prisma.Sql) =>
    Prisma.sql`${column} >= ${since} AND ${column} < ${headEnd} AND ${column} <= ${now}`;
  const later = (column: Prisma.Sql) => Prisma.sql`${column} > ${now} AND ${column} < ${laterUntil}`;
  const visitedAt = Prisma.sql`r."visitedAt"`;
  const decidedAt = Prisma.sql`x."decidedAt"`;
  return prisma.$queryRaw<
    Array<{ villageId: string; visits: number; compliant: number; exits: number; created: number }>
  >`
    SELECT "villageId", sum(visits)::int AS visits, sum(compliant)::int AS compliant, sum(exits)::int AS exits,
      sum(created)::int AS created FROM (
      SELECT k.key AS "villageId", CASE WHEN k.kind = 'visit' THEN k.n ELSE 0 END AS visits,
        CASE WHEN k.kind = 'compliant-visit' THEN k.n ELSE 0 END AS compliant,
        CASE WHEN k.kind = 'exit' THEN k.n ELSE 0 END AS exits, 0 AS created
      FROM "KeptCount" k WHERE k.kind IN ('visit', 'compliant-visit', 'exit') AND k.dim = 'village'
        AND k.bucket >= ${headEnd} AND k.bucket < ${keptUntil}
      UNION ALL ${visitsIn(1, first(visitedAt))}
      UNION ALL ${visitsIn(-1, later(visitedAt))}
      UNION ALL ${exitsIn(1, first(decidedAt))}
      UNION ALL ${exitsIn(-1, later(decidedAt))}
      UNION ALL
      SELECT h."villageId", 0, 0, 0, 1 FROM "Household" h WHERE h."createdAt" >= ${since} AND h."createdAt" <= ${now}
    ) figures GROUP BY 1`;
}

/** The report for the period [since, now]: counts grouped by PostgreSQL, each list one page. */
export async function dispatchReport(
  prisma: PrismaClient,
  args: { now: Date; since: Date; pages?: ReportPages },
): Promise<DispatchReport> {
  const { now, since, pages = {} } = args;
  if (Number.isNaN(since.getTime()) || Number.isNaN(now.getTime()) || since.getTime() >= now.getTime())
    throw new DomainError('INVALID', '报告的开始时间必须早于结束时间');
  const listLimit = pageSize(pages.limit);
  const first = { limit: listLimit };

  // One round: no query waits for another's answer.
  const [
    overdueTasks,
    [stillOpen, openedInPeriod, closedInPeriod],
    { atRisk, progress, householdCounts: figures = [] },
    counts,
    { escalationsOpened, escalationsClosed, tasksCompleted },
    periodFigures,
    villages,
    [newRows, exitRows, cancelRows],
  ] = await Promise.all([
    loadOverdueTasks(prisma, now, pages.overdueTasks),
    loadFirstEscalations(
      prisma,
      [{ open: true }, { openedIn: { since, until: now } }, { closedIn: { since, until: now } }],
      listLimit,
    ),
    householdStanding(prisma, { atRisk: pages.householdsAtRisk, progress: first, perVillage: true }),
    boardCounts(prisma, now),
    periodTotals(prisma, since, now),
    periodCountsByVillage(prisma, since, now),
    prisma.village.findMany({ orderBy: { name: 'asc' } }),
    periodLists(prisma, since, now, listLimit),
  ]);

  const newHouseholds = newRows.map((h) => ({ ...summaryOf(h), createdAt: iso(h.at) }));
  const exits = exitRows.map((e) => ({ household: summaryOf(e), decidedAt: iso(e.at) }));
  const cancellations = cancelRows.map((a) => ({ household: summaryOf(a), at: iso(a.at), reason: a.reason }));

  const isActive = (status: string) => (ACTIVE_STATUSES as readonly string[]).includes(status);
  const sum = (rows: typeof figures, pick: (r: (typeof figures)[number]) => number) =>
    rows.reduce((n, r) => n + pick(r), 0);
  const perVillage = new Map<string, typeof figures>();
  for (const f of figures) perVillage.set(f.villageId, [...(perVillage.get(f.villageId) ?? []), f]);
  const period = new Map(periodFigures.map((f) => [f.villageId, f]));
  const boardVillage = new Map(counts.byVillage.map((g) => [g.key, g]));
  const villageSummaries: VillageSummary[] = villages.flatMap((v) => {
    const mine = perVillage.get(v.id) ?? [];
    const households = sum(mine, (r) => r.n);
    if (households === 0) return [];
    const byCategory = Object.fromEntries(
      HOUSEHOLD_CATEGORIES.map((c) => [
        c,
        sum(
          mine.filter((r) => r.category === c),
          (r) => r.n,
        ),
      ]),
    ) as Record<HouseholdCategory, number>;
    return [
      {
        village: { id: v.id, name: v.name, isPoor: v.isPoor },
        households,
        byCategory,
        underSupervision: sum(
          mine.filter((r) => isActive(r.status)),
          (r) => r.n,
        ),
        stablyOut: sum(
          mine.filter((r) => r.status === 'STABLY_OUT'),
          (r) => r.n,
        ),
        overdueTasks: boardVillage.get(v.id)?.overdueTaskCount ?? 0,
        openEscalations: boardVillage.get(v.id)?.openEscalationCount ?? 0,
        atRisk: atRisk.byVillage.get(v.id) ?? 0,
        visitsInPeriod: period.get(v.id)?.visits ?? 0,
        newHouseholds: period.get(v.id)?.created ?? 0,
        exits: period.get(v.id)?.exits ?? 0,
      },
    ];
  });
  const byStatus = (status: string) =>
    sum(
      figures.filter((r) => r.status === status),
      (r) => r.n,
    );

  return {
    title: '挂牌督战调度会报告',
    generatedAt: iso(now),
    period: {
      since: iso(since),
      until: iso(now),
      sinceDate: townshipDateOf(since),
      untilDate: townshipDateOf(now),
      days: Math.round((now.getTime() - since.getTime()) / DAY_MS),
    },
    summary: {
      households: sum(figures, (r) => r.n),
      underSupervision: sum(
        figures.filter((r) => isActive(r.status)),
        (r) => r.n,
      ),
      stablyOut: byStatus('STABLY_OUT'),
      cancelled: byStatus('CANCELLED'),
      overdueTasks: counts.total.overdue,
      openEscalations: counts.total.escalations,
      escalationsOpened,
      escalationsClosed,
      householdsAtRisk: atRisk.count,
      newHouseholds: periodFigures.reduce((n, f) => n + f.created, 0),
      exits: periodFigures.reduce((n, f) => n + f.exits, 0),
      visits: periodFigures.reduce((n, f) => n + f.visits, 0),
      compliantVisits: periodFigures.reduce((n, f) => n + f.compliant, 0),
      tasksCompleted,
    },
    overdueTasks: overdueTasks.items,
    escalations: {
      openedInPeriod,
      closedInPeriod,
      stillOpen,
    },
    householdsAtRisk: atRisk.rows,
    progress,
    newHouseholds,
    exits,
    cancellations,
    villages: villageSummaries,
    pages: { overdueTasks: overdueTasks.page, householdsAtRisk: atRisk.page },
  };
}
