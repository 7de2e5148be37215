// 调度会 report: what the periodic dispatch meeting reviews — overdue work, escalations, households
// at risk, progress toward a stable exit, new households and exits, village by village. Plain data;
// the printable page and the download are the HTTP layer's.
import type { PrismaClient } from '../../db/client.js';
import { HOUSEHOLD_CATEGORIES, type HouseholdCategory } from '../../policy/index.js';
import { DomainError } from '../errors.js';
import {
  type AtRiskRow,
  type BoardEscalationRow,
  type ExitProgress,
  exitProgress,
  type HouseholdSummaryRow,
  householdsAtRisk,
  loadEscalations,
  loadHouseholdStanding,
  loadOverdueTasks,
} from './board.js';
import { categoryLabel, statusLabel } from './labels.js';
import { householdRefSelect, iso, MS_PER_DAY, shanghaiDate, type TaskRow, toHouseholdRef } from './shared.js';

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
  /** Open and past due at the report's time, highest rung first. */
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
}

const summaryOf = (h: {
  id: string;
  number: string;
  headName: string;
  village: { id: string; name: string };
  category: string;
  status: string;
}): HouseholdSummaryRow => ({
  ...toHouseholdRef(h),
  category: h.category,
  categoryLabel: categoryLabel(h.category),
  status: h.status,
  statusLabel: statusLabel(h.status),
});

const summarySelect = { ...householdRefSelect, category: true, status: true } as const;

/** The report for the period [since, now]. */
export async function dispatchReport(
  prisma: PrismaClient,
  args: { now: Date; since: Date },
): Promise<DispatchReport> {
  const { now, since } = args;
  if (Number.isNaN(since.getTime()) || Number.isNaN(now.getTime()) || since.getTime() >= now.getTime())
    throw new DomainError('INVALID', '报告的开始时间必须早于结束时间');
  const inPeriod = { gte: since, lte: now };

  const [overdueTasks, stillOpen, openedInPeriod, closedInPeriod, standing, villages] = await Promise.all([
    loadOverdueTasks(prisma, now),
    loadEscalations(prisma, { closedAt: null, task: { status: 'OPEN' } }),
    loadEscalations(prisma, { openedAt: inPeriod }),
    loadEscalations(prisma, { closedAt: inPeriod }),
    loadHouseholdStanding(prisma),
    prisma.village.findMany({ orderBy: { name: 'asc' } }),
  ]);
  const [exitRows, cancelRows, visits, tasksCompleted] = await Promise.all([
    prisma.exitAssessment.findMany({
      where: { decision: 'STABLY_OUT', decidedAt: inPeriod },
      include: { household: { select: summarySelect } },
      orderBy: { decidedAt: 'asc' },
    }),
    prisma.auditLog.findMany({
      where: { action: 'SUPERVISION_CANCELLED', at: inPeriod, householdId: { not: null } },
      include: { household: { select: summarySelect } },
      orderBy: { at: 'asc' },
    }),
    prisma.visitRecord.findMany({
      where: { visitedAt: inPeriod },
      select: { compliant: true, household: { select: { villageId: true } } },
    }),
    prisma.task.count({ where: { status: 'DONE', completedAt: inPeriod } }),
  ]);

  const atRisk = householdsAtRisk(standing);
  const newHouseholds = standing
    .filter((s) => s.createdAt >= since && s.createdAt <= now)
    .map((s) => ({ ...s.summary, createdAt: iso(s.createdAt) }));
  const exits = exitRows.map((e) => ({ household: summaryOf(e.household), decidedAt: iso(e.decidedAt) }));
  const cancellations = cancelRows.flatMap((a) => {
    if (!a.household) return [];
    const detail = a.detail && typeof a.detail === 'object' && !Array.isArray(a.detail) ? a.detail : {};
    const reason = typeof detail.reason === 'string' ? detail.reason : null;
    return [{ household: summaryOf(a.household), at: iso(a.at), reason }];
  });

  const count = <T>(rows: readonly T[], villageOf: (row: T) => string, villageId: string) =>
    rows.filter((r) => villageOf(r) === villageId).length;
  const villageSummaries: VillageSummary[] = villages
    .map((v) => {
      const mine = standing.filter((s) => s.summary.village.id === v.id);
      const byCategory = Object.fromEntries(
        HOUSEHOLD_CATEGORIES.map((c) => [c, mine.filter((s) => s.summary.category === c).length]),
      ) as Record<HouseholdCategory, number>;
      return {
        village: { id: v.id, name: v.name, isPoor: v.isPoor },
        households: mine.length,
        byCategory,
        underSupervision: mine.filter((s) => s.active).length,
        stablyOut: mine.filter((s) => s.summary.status === 'STABLY_OUT').length,
        overdueTasks: count(overdueTasks, (t) => t.household.village.id, v.id),
        openEscalations: count(stillOpen, (e) => e.household.village.id, v.id),
        atRisk: count(atRisk, (r) => r.household.village.id, v.id),
        visitsInPeriod: count(visits, (x) => x.household.villageId, v.id),
        newHouseholds: count(newHouseholds, (h) => h.village.id, v.id),
        exits: count(exits, (e) => e.household.village.id, v.id),
      };
    })
    .filter((v) => v.households > 0);

  return {
    title: '挂牌督战调度会报告',
    generatedAt: iso(now),
    period: {
      since: iso(since),
      until: iso(now),
      sinceDate: shanghaiDate(since),
      untilDate: shanghaiDate(now),
      days: Math.round((now.getTime() - since.getTime()) / MS_PER_DAY),
    },
    summary: {
      households: standing.length,
      underSupervision: standing.filter((s) => s.active).length,
      stablyOut: standing.filter((s) => s.summary.status === 'STABLY_OUT').length,
      cancelled: standing.filter((s) => s.summary.status === 'CANCELLED').length,
      overdueTasks: overdueTasks.length,
      openEscalations: stillOpen.length,
      escalationsOpened: openedInPeriod.length,
      escalationsClosed: closedInPeriod.length,
      householdsAtRisk: atRisk.length,
      newHouseholds: newHouseholds.length,
      exits: exits.length,
      visits: visits.length,
      compliantVisits: visits.filter((v) => v.compliant).length,
      tasksCompleted,
    },
    overdueTasks,
    escalations: { openedInPeriod, closedInPeriod, stillOpen },
    householdsAtRisk: atRisk,
    progress: exitProgress(standing),
    newHouseholds,
    exits,
    cancellations,
    villages: villageSummaries,
  };
}
