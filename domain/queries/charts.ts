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
import type { PrismaClient } from '../../db/client.js';
import { HOUSEHOLD_CATEGORIES, HOUSEHOLD_CATEGORY_LABELS } from '../../policy/index.js';
import { DomainError } from '../errors.js';
import { policyLookup } from '../policy-versions.js';
import {
  ACTIVE_STATUSES,
  HOUSEHOLD_STATUS_LABELS,
  HOUSEHOLD_STATUSES,
  type HouseholdStatus,
} from './labels.js';
import {
  type HouseholdRef,
  householdRefSelect,
  iso,
  MS_PER_DAY,
  shanghaiDate,
  toHouseholdRef,
} from './shared.js';

const MAX_WEEKS = 156;

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
  /** Latest per-capita income of each household that has been visited, lowest first. */
  income: { lineYuan: number; households: IncomePoint[] };
}

/** Weekly series over the `weeks` weeks ending at `now` (optionally one village only). */
export async function chartSeries(
  prisma: PrismaClient,
  args: { now: Date; weeks: number; villageId?: string },
): Promise<ChartSeries> {
  const { now, weeks, villageId } = args;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_WEEKS)
    throw new DomainError('INVALID', `周数必须是 1 到 ${MAX_WEEKS} 之间的整数`);
  const ends = Array.from({ length: weeks }, (_, i) => now.getTime() - (weeks - 1 - i) * 7 * MS_PER_DAY);
  const firstStart = (ends[0] ?? now.getTime()) - 7 * MS_PER_DAY;
  const householdWhere = villageId ? { villageId } : {};

  const [households, audit, tasks, escalations, latestVisits] = await Promise.all([
    prisma.household.findMany({
      where: householdWhere,
      select: { id: true, category: true, status: true, createdAt: true },
    }),
    prisma.auditLog.findMany({
      where: {
        household: householdWhere,
        action: { in: ['CATEGORY_CHANGED', ...Object.keys(STATUS_OF_ACTION)] },
      },
      select: { householdId: true, at: true, action: true, detail: true },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    }),
    prisma.task.findMany({
      where: {
        household: householdWhere,
        status: { not: 'CANCELLED' },
        dueAt: { gt: new Date(firstStart), lte: now },
      },
      select: { dueAt: true, completedAt: true },
    }),
    prisma.escalation.findMany({
      where: { task: { household: householdWhere }, openedAt: { gt: new Date(firstStart), lte: now } },
      select: { openedAt: true },
    }),
    prisma.visitRecord.findMany({
      where: { household: householdWhere, visitedAt: { lte: now } },
      distinct: ['householdId'],
      orderBy: [{ householdId: 'asc' }, { visitedAt: 'desc' }, { id: 'desc' }],
      select: {
        visitedAt: true,
        perCapitaIncomeYuan: true,
        household: { select: { ...householdRefSelect, policyVersion: true } },
      },
    }),
  ]);

  const eventsOf = new Map<string, typeof audit>();
  for (const row of audit) {
    if (!row.householdId) continue;
    const list = eventsOf.get(row.householdId) ?? [];
    list.push(row);
    eventsOf.set(row.householdId, list);
  }

  const statusAt = (h: (typeof households)[number], t: number): string => {
    const events = (eventsOf.get(h.id) ?? []).filter((e) => e.action in STATUS_OF_ACTION);
    if (events.length === 0) return h.status;
    let status: string = 'REGISTERED';
    for (const e of events) {
      if (e.at.getTime() > t) break;
      status = STATUS_OF_ACTION[e.action] ?? status;
    }
    return status;
  };
  const categoryAt = (h: (typeof households)[number], t: number): string => {
    const change = (eventsOf.get(h.id) ?? []).find(
      (e) => e.action === 'CATEGORY_CHANGED' && e.at.getTime() > t,
    );
    const detail = change?.detail;
    if (detail && typeof detail === 'object' && !Array.isArray(detail) && typeof detail.from === 'string')
      return detail.from;
    return h.category;
  };

  const statusCounts = ends.map((t) => {
    const counts = new Map<string, number>();
    for (const h of households) {
      if (h.createdAt.getTime() > t) continue;
      const s = statusAt(h, t);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return counts;
  });
  const categoryCounts = ends.map((t) => {
    const counts = new Map<string, number>();
    for (const h of households) {
      if (h.createdAt.getTime() > t) continue;
      if (!(ACTIVE_STATUSES as readonly string[]).includes(statusAt(h, t))) continue;
      const c = categoryAt(h, t);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    return counts;
  });

  const weekIndex = (at: number): number => {
    for (let i = 0; i < ends.length; i += 1) {
      const end = ends[i] ?? 0;
      if (at > end - 7 * MS_PER_DAY && at <= end) return i;
    }
    return -1;
  };
  const perWeek = (instants: number[]): number[] => {
    const values = ends.map(() => 0);
    for (const at of instants) {
      const i = weekIndex(at);
      if (i >= 0) values[i] = (values[i] ?? 0) + 1;
    }
    return values;
  };

  const policyOf = await policyLookup(prisma);
  const lineYuan = policyOf(null).incomeLineYuanPerPersonYear;
  const income: IncomePoint[] = latestVisits
    .map((v) => {
      const incomeYuan = v.perCapitaIncomeYuan.toNumber();
      const line = policyOf(v.household.policyVersion).incomeLineYuanPerPersonYear;
      return {
        ...toHouseholdRef(v.household),
        incomeYuan,
        visitedAt: iso(v.visitedAt),
        lineYuan: line,
        belowLine: incomeYuan < line,
      };
    })
    .sort((a, b) => a.incomeYuan - b.incomeYuan || a.number.localeCompare(b.number));

  return {
    generatedAt: iso(now),
    labels: ends.map((t) => shanghaiDate(new Date(t))),
    weeks: ends.map((t) => ({ start: iso(new Date(t - 7 * MS_PER_DAY)), end: iso(new Date(t)) })),
    categories: HOUSEHOLD_CATEGORIES.map((key) => ({
      key,
      label: HOUSEHOLD_CATEGORY_LABELS[key],
      values: categoryCounts.map((c) => c.get(key) ?? 0),
    })),
    statuses: HOUSEHOLD_STATUSES.map((key) => ({
      key,
      label: HOUSEHOLD_STATUS_LABELS[key],
      values: statusCounts.map((c) => c.get(key) ?? 0),
    })),
    overdueTasks: perWeek(
      tasks
        .filter((t) => t.completedAt === null || t.completedAt.getTime() > t.dueAt.getTime())
        .map((t) => t.dueAt.getTime()),
    ),
    escalationsOpened: perWeek(escalations.map((e) => e.openedAt.getTime())),
    income: { lineYuan, households: income },
  };
}
