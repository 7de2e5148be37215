// 督战看板: overdue work and open escalations by rung, village and leader; households at risk;
// progress toward a stable exit. Read from PostgreSQL only.

import type { PrismaClient } from '../../db/client.js';
import { ESCALATION_RANK_LABELS, latestPolicy } from '../../policy/index.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { policyLookup } from '../policy-versions.js';
import {
  ACTIVE_STATUSES,
  categoryLabel,
  HOUSEHOLD_STATUS_LABELS,
  HOUSEHOLD_STATUSES,
  labelOf,
  rankLabel,
  statusLabel,
  TASK_KIND_LABELS,
} from './labels.js';
import {
  type CadreRefRow,
  cadreRefSelect,
  consecutiveCompliant,
  type EscalationRow,
  groupBy,
  type HouseholdRef,
  householdRefSelect,
  iso,
  type TaskRow,
  taskInclude,
  toCadreRef,
  toEscalationRow,
  toHouseholdRef,
  toTaskRow,
} from './shared.js';

/** An open escalation with the task and household it is about. */
export interface BoardEscalationRow extends EscalationRow {
  task: { id: string; kind: string; kindLabel: string; reason: string; dueAt: string; assignee: CadreRefRow };
  household: HouseholdRef;
}

export interface BoardGroup {
  key: string;
  label: string;
  overdueTaskCount: number;
  openEscalationCount: number;
  overdueTasks: TaskRow[];
  openEscalations: BoardEscalationRow[];
}

export interface HouseholdSummaryRow extends HouseholdRef {
  category: string;
  categoryLabel: string;
  status: string;
  statusLabel: string;
}

export type RiskReason = 'OPEN_FOLLOW_UP' | 'LAST_VISIT_NON_COMPLIANT' | 'ESCALATED';

export interface AtRiskRow {
  household: HouseholdSummaryRow;
  reasons: Array<{ code: RiskReason; label: string }>;
  openFollowUps: number;
  lastVisitAt: string | null;
  lastVisitCompliant: boolean | null;
  /** Highest rung among the household's open escalations (0 = none). */
  highestOpenRung: number;
}

export interface ExitProgressRow {
  household: HouseholdSummaryRow;
  /** The latest visits in a row that were compliant when recorded. */
  consecutiveCompliantVisits: number;
  /** The household's policy's stableExit.minCompliantVisits. */
  minCompliantVisits: number;
  remaining: number;
  lastVisitAt: string | null;
}

export interface ExitProgress {
  total: number;
  /** Every status, in life order, with its count (zero included). */
  byStatus: Array<{ status: string; label: string; count: number }>;
  /** Households still under supervision, the closest to a stable exit first. */
  households: ExitProgressRow[];
}

export interface SupervisionBoard {
  generatedAt: string;
  overdueTaskCount: number;
  openEscalationCount: number;
  overdueTasks: TaskRow[];
  openEscalations: BoardEscalationRow[];
  /** By the task's rung / the escalation's rung, lowest first (0 = overdue, not escalated yet). */
  byRung: BoardGroup[];
  /** By the household's village, most overdue work first. */
  byVillage: BoardGroup[];
  /**
   * By cadre: their own overdue tasks (as assignee) and the open escalations addressed to them
   * (as the leader of a rung); most escalations first.
   */
  byLeader: BoardGroup[];
  householdsAtRisk: AtRiskRow[];
  progress: ExitProgress;
}

// ---------------------------------------------------------------------------------------------

/** A rung's name on the latest policy's ladder (each escalation row carries its own rank too). */
const rungLabel = (rung: number): string => {
  if (rung === 0) return '已逾期，尚未升级';
  const rank = latestPolicy().escalationLadder[rung - 1]?.rank;
  return rank ? `第 ${rung} 级：${labelOf(ESCALATION_RANK_LABELS, rank)}` : `第 ${rung} 级`;
};

export async function loadOverdueTasks(prisma: PrismaClient, now: Date): Promise<TaskRow[]> {
  const tasks = await prisma.task.findMany({
    where: { status: 'OPEN', dueAt: { lt: now } },
    include: taskInclude,
    orderBy: [{ rung: 'desc' }, { dueAt: 'asc' }, { id: 'asc' }],
  });
  return tasks.map((t) => toTaskRow(t, now));
}

const escalationWithTaskInclude = {
  leader: { select: cadreRefSelect },
  task: {
    select: {
      id: true,
      kind: true,
      reason: true,
      dueAt: true,
      assignee: { select: cadreRefSelect },
      household: { select: householdRefSelect },
    },
  },
} satisfies Prisma.EscalationInclude;

/** Escalations matching `where`, with their task and household; lowest rung, then oldest first. */
export async function loadEscalations(
  prisma: PrismaClient,
  where: Prisma.EscalationWhereInput,
): Promise<BoardEscalationRow[]> {
  const rows = await prisma.escalation.findMany({
    where,
    include: escalationWithTaskInclude,
    orderBy: [{ rung: 'asc' }, { openedAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((e) => ({
    ...toEscalationRow(e),
    task: {
      id: e.task.id,
      kind: e.task.kind,
      kindLabel: labelOf(TASK_KIND_LABELS, e.task.kind),
      reason: e.task.reason,
      dueAt: iso(e.task.dueAt),
      assignee: toCadreRef(e.task.assignee),
    },
    household: toHouseholdRef(e.task.household),
  }));
}

function group(
  key: string,
  label: string,
  overdueTasks: TaskRow[],
  openEscalations: BoardEscalationRow[],
): BoardGroup {
  return {
    key,
    label,
    overdueTaskCount: overdueTasks.length,
    openEscalationCount: openEscalations.length,
    overdueTasks,
    openEscalations,
  };
}

export function groupByRung(tasks: TaskRow[], escalations: BoardEscalationRow[]): BoardGroup[] {
  const t = groupBy(tasks, (x) => String(x.rung));
  const e = groupBy(escalations, (x) => String(x.rung));
  const rungs = [...new Set([...t.keys(), ...e.keys()])].map(Number).sort((a, b) => a - b);
  return rungs.map((rung) =>
    group(String(rung), rungLabel(rung), t.get(String(rung)) ?? [], e.get(String(rung)) ?? []),
  );
}

export function groupByVillage(tasks: TaskRow[], escalations: BoardEscalationRow[]): BoardGroup[] {
  const t = groupBy(tasks, (x) => x.household.village.id);
  const e = groupBy(escalations, (x) => x.household.village.id);
  const names = new Map(
    [...tasks, ...escalations].map((x) => [x.household.village.id, x.household.village.name]),
  );
  return [...names.entries()]
    .map(([id, name]) => group(id, name, t.get(id) ?? [], e.get(id) ?? []))
    .sort(
      (a, b) =>
        b.overdueTaskCount + b.openEscalationCount - (a.overdueTaskCount + a.openEscalationCount) ||
        a.label.localeCompare(b.label, 'zh'),
    );
}

export function groupByLeader(tasks: TaskRow[], escalations: BoardEscalationRow[]): BoardGroup[] {
  const t = groupBy(tasks, (x) => x.assignee.id);
  const e = groupBy(escalations, (x) => x.leader.id);
  const cadres = new Map<string, CadreRefRow>([
    ...tasks.map((x) => [x.assignee.id, x.assignee] as const),
    ...escalations.map((x) => [x.leader.id, x.leader] as const),
  ]);
  return [...cadres.values()]
    .map((c) => group(c.id, `${c.name}（${rankLabel(c.rank)}）`, t.get(c.id) ?? [], e.get(c.id) ?? []))
    .sort(
      (a, b) =>
        b.openEscalationCount - a.openEscalationCount ||
        b.overdueTaskCount - a.overdueTaskCount ||
        a.label.localeCompare(b.label, 'zh'),
    );
}

/** The households the risk and progress sections look at, with what those need. */
export async function loadHouseholdStanding(prisma: PrismaClient, villageId?: string) {
  const policyOf = await policyLookup(prisma);
  const households = await prisma.household.findMany({
    where: villageId ? { villageId } : {},
    select: {
      ...householdRefSelect,
      category: true,
      status: true,
      policyVersion: true,
      createdAt: true,
      tasks: {
        where: { status: 'OPEN' },
        select: { kind: true, escalations: { where: { closedAt: null }, select: { rung: true } } },
      },
      visits: {
        orderBy: [{ visitedAt: 'desc' }, { id: 'desc' }],
        select: { visitedAt: true, compliant: true },
      },
    },
    orderBy: [{ village: { name: 'asc' } }, { number: 'asc' }],
  });
  return households.map((h) => {
    const last = h.visits[0];
    const openRungs = h.tasks.flatMap((t) => t.escalations.map((e) => e.rung));
    const summary: HouseholdSummaryRow = {
      ...toHouseholdRef(h),
      category: h.category,
      categoryLabel: categoryLabel(h.category),
      status: h.status,
      statusLabel: statusLabel(h.status),
    };
    return {
      summary,
      createdAt: h.createdAt,
      active: (ACTIVE_STATUSES as readonly string[]).includes(h.status),
      openFollowUps: h.tasks.filter((t) => t.kind === 'FOLLOW_UP').length,
      highestOpenRung: openRungs.reduce((max, r) => Math.max(max, r), 0),
      lastVisitAt: last ? iso(last.visitedAt) : null,
      lastVisitCompliant: last ? last.compliant : null,
      consecutiveCompliant: consecutiveCompliant(h.visits),
      minCompliantVisits: policyOf(h.policyVersion).stableExit.minCompliantVisits,
    };
  });
}

export type HouseholdStanding = Awaited<ReturnType<typeof loadHouseholdStanding>>[number];

/**
 * At risk: still under supervision and an open follow-up, or a last visit that was not compliant,
 * or an open escalation at rung 2 or higher (a leader above the assignee has been told).
 */
export function householdsAtRisk(standing: readonly HouseholdStanding[]): AtRiskRow[] {
  return standing
    .filter((s) => s.active)
    .flatMap((s) => {
      const reasons: AtRiskRow['reasons'] = [];
      if (s.openFollowUps > 0)
        reasons.push({ code: 'OPEN_FOLLOW_UP', label: `有 ${s.openFollowUps} 项问题未整改` });
      if (s.lastVisitCompliant === false)
        reasons.push({ code: 'LAST_VISIT_NON_COMPLIANT', label: '最近一次走访未达标' });
      if (s.highestOpenRung >= 2)
        reasons.push({ code: 'ESCALATED', label: `逾期任务已升级至第 ${s.highestOpenRung} 级` });
      if (reasons.length === 0) return [];
      return [
        {
          household: s.summary,
          reasons,
          openFollowUps: s.openFollowUps,
          lastVisitAt: s.lastVisitAt,
          lastVisitCompliant: s.lastVisitCompliant,
          highestOpenRung: s.highestOpenRung,
        },
      ];
    })
    .sort((a, b) => b.reasons.length - a.reasons.length || b.highestOpenRung - a.highestOpenRung);
}

export function exitProgress(standing: readonly HouseholdStanding[]): ExitProgress {
  const counts = new Map<string, number>();
  for (const s of standing) counts.set(s.summary.status, (counts.get(s.summary.status) ?? 0) + 1);
  const known = new Set<string>(HOUSEHOLD_STATUSES);
  const byStatus = [
    ...HOUSEHOLD_STATUSES.map((status) => ({
      status,
      label: HOUSEHOLD_STATUS_LABELS[status],
      count: counts.get(status) ?? 0,
    })),
    ...[...counts.entries()]
      .filter(([status]) => !known.has(status))
      .map(([status, count]) => ({ status, label: status, count })),
  ];
  const households = standing
    .filter((s) => s.active)
    .map((s) => ({
      household: s.summary,
      consecutiveCompliantVisits: s.consecutiveCompliant,
      minCompliantVisits: s.minCompliantVisits,
      remaining: Math.max(0, s.minCompliantVisits - s.consecutiveCompliant),
      lastVisitAt: s.lastVisitAt,
    }))
    .sort((a, b) => a.remaining - b.remaining || a.household.number.localeCompare(b.household.number));
  return { total: standing.length, byStatus, households };
}

/** The supervisors' board at `now`. */
export async function supervisionBoard(prisma: PrismaClient, args: { now: Date }): Promise<SupervisionBoard> {
  const { now } = args;
  const [overdueTasks, openEscalations, standing] = await Promise.all([
    loadOverdueTasks(prisma, now),
    loadEscalations(prisma, { closedAt: null, task: { status: 'OPEN' } }),
    loadHouseholdStanding(prisma),
  ]);
  return {
    generatedAt: iso(now),
    overdueTaskCount: overdueTasks.length,
    openEscalationCount: openEscalations.length,
    overdueTasks,
    openEscalations,
    byRung: groupByRung(overdueTasks, openEscalations),
    byVillage: groupByVillage(overdueTasks, openEscalations),
    byLeader: groupByLeader(overdueTasks, openEscalations),
    householdsAtRisk: householdsAtRisk(standing),
    progress: exitProgress(standing),
  };
}
