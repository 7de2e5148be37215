// 督战看板: overdue work and open escalations by rung, village and leader; households at risk;
// progress toward a stable exit. Read from PostgreSQL only: the counts are grouped there, and each
// list is one page (each task serialised once, in its list; the groups carry counts).

import type { PrismaClient } from '../../db/client.js';
import { ESCALATION_RANK_LABELS, latestPolicy } from '../../policy/index.js';
import { labelOf, rankLabel, TASK_KIND_LABELS } from '../../policy/vocabulary.js';
import type { Prisma } from '../../prisma/generated/client.js';
import {
  decodeCursor,
  type KeyField,
  keyOfRow,
  keysetOrderBy,
  keysetWhere,
  type Page,
  type PageInfo,
  type PageRequest,
  pageOf,
  pageSize,
} from './pagination.js';
import {
  type CadreRefRow,
  cadreRefSelect,
  type EscalationRow,
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
import { type AtRiskRow, type ExitProgress, householdStanding } from './standing.js';

export type {
  AtRiskRow,
  ExitProgress,
  ExitProgressRow,
  HouseholdSummaryRow,
  RiskReason,
} from './standing.js';

/** An open escalation with the task and household it is about. */
export interface BoardEscalationRow extends EscalationRow {
  task: { id: string; kind: string; kindLabel: string; reason: string; dueAt: string; assignee: CadreRefRow };
  household: HouseholdRef;
}

/** How much overdue work and how many open escalations one rung, village or leader has. */
export interface BoardGroup {
  key: string;
  label: string;
  overdueTaskCount: number;
  openEscalationCount: number;
}

export interface SupervisionBoard {
  generatedAt: string;
  overdueTaskCount: number;
  openEscalationCount: number;
  /** This page of the overdue tasks: highest rung first, then the oldest due date. */
  overdueTasks: TaskRow[];
  /** This page of the open escalations: lowest rung first, then the oldest. */
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
  householdsAtRiskCount: number;
  /** This page of the households at risk. */
  householdsAtRisk: AtRiskRow[];
  progress: ExitProgress;
  /** Where each list's page sits: its cursors for the previous and next pages. */
  pages: {
    overdueTasks: PageInfo;
    openEscalations: PageInfo;
    householdsAtRisk: PageInfo;
    progress: PageInfo;
  };
}

/** The board's lists, each paged on its own. */
export interface BoardPages {
  overdueTasks?: PageRequest;
  openEscalations?: PageRequest;
  householdsAtRisk?: PageRequest;
  progress?: PageRequest;
}

// ---------------------------------------------------------------------------------------------

/** A rung's name on the latest policy's ladder (each escalation row carries its own rank too). */
const rungLabel = (rung: number): string => {
  if (rung === 0) return '已逾期，尚未升级';
  const rank = latestPolicy().escalationLadder[rung - 1]?.rank;
  return rank ? `第 ${rung} 级：${labelOf(ESCALATION_RANK_LABELS, rank)}` : `第 ${rung} 级`;
};

export const OVERDUE_TASK_KEY: KeyField[] = [
  { field: 'rung', order: 'desc', type: 'number' },
  { field: 'dueAt', order: 'asc', type: 'date' },
  { field: 'id', order: 'asc', type: 'string' },
];

/** A page of the tasks open and past due at `now` (optionally of one village). */
export async function loadOverdueTasks(
  prisma: PrismaClient,
  now: Date,
  request: PageRequest = {},
  villageId?: string,
): Promise<Page<TaskRow>> {
  const limit = pageSize(request.limit);
  const cursor =
    request.cursor === undefined ? undefined : decodeCursor(request.cursor, OVERDUE_TASK_KEY.length);
  const where: Prisma.TaskWhereInput = { status: 'OPEN', dueAt: { lt: now } };
  if (villageId) where.household = { villageId };
  const tasks = await prisma.task.findMany({
    where: { AND: [where, keysetWhere(OVERDUE_TASK_KEY, cursor)] },
    include: taskInclude,
    orderBy: keysetOrderBy(OVERDUE_TASK_KEY, cursor),
    take: limit + 1,
  });
  const page = pageOf(tasks, { limit, cursor, keyOf: (t) => keyOfRow(OVERDUE_TASK_KEY, t) });
  return { items: page.items.map((t) => toTaskRow(t, now)), page: page.page };
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

export const ESCALATION_KEY: KeyField[] = [
  { field: 'rung', order: 'asc', type: 'number' },
  { field: 'openedAt', order: 'asc', type: 'date' },
  { field: 'id', order: 'asc', type: 'string' },
];

/** A page of the escalations matching `where`, with their task and household; lowest rung, then oldest first. */
export async function loadEscalations(
  prisma: PrismaClient,
  where: Prisma.EscalationWhereInput,
  request: PageRequest = {},
): Promise<Page<BoardEscalationRow>> {
  const limit = pageSize(request.limit);
  const cursor =
    request.cursor === undefined ? undefined : decodeCursor(request.cursor, ESCALATION_KEY.length);
  const rows = await prisma.escalation.findMany({
    where: { AND: [where, keysetWhere(ESCALATION_KEY, cursor)] },
    include: escalationWithTaskInclude,
    orderBy: keysetOrderBy(ESCALATION_KEY, cursor),
    take: limit + 1,
  });
  const page = pageOf(rows, { limit, cursor, keyOf: (e) => keyOfRow(ESCALATION_KEY, e) });
  return {
    items: page.items.map((e) => ({
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
    })),
    page: page.page,
  };
}

/** The open escalations: those not closed, on tasks still open. */
export const OPEN_ESCALATION: Prisma.EscalationWhereInput = { closedAt: null, task: { status: 'OPEN' } };

const group = (key: string, label: string, counts: Counts | undefined): BoardGroup => ({
  key,
  label,
  overdueTaskCount: counts?.overdue ?? 0,
  openEscalationCount: counts?.escalations ?? 0,
});

interface Counts {
  overdue: number;
  escalations: number;
}

/** Overdue tasks and open escalations counted by PostgreSQL per rung, per village and per cadre. */
export async function boardCounts(prisma: PrismaClient, now: Date) {
  const [rows, villages] = await Promise.all([
    prisma.$queryRaw<Array<{ dim: string; key: string; overdue: number; escalations: number }>>`
      WITH overdue AS (
        SELECT t.rung, h."villageId", t."assigneeId" FROM "Task" t JOIN "Household" h ON h.id = t."householdId"
        WHERE t.status = 'OPEN' AND t."dueAt" < ${now}
      ), open_escalations AS (
        SELECT e.rung, h."villageId", e."leaderId" FROM "Escalation" e
        JOIN "Task" t ON t.id = e."taskId" JOIN "Household" h ON h.id = t."householdId"
        WHERE e."closedAt" IS NULL AND t.status = 'OPEN'
      ), counted AS (
        SELECT 'rung' AS dim, rung::text AS key, count(*)::int AS overdue, 0 AS escalations FROM overdue GROUP BY 2
        UNION ALL SELECT 'village', "villageId", count(*)::int, 0 FROM overdue GROUP BY 2
        UNION ALL SELECT 'cadre', "assigneeId", count(*)::int, 0 FROM overdue GROUP BY 2
        UNION ALL SELECT 'rung', rung::text, 0, count(*)::int FROM open_escalations GROUP BY 2
        UNION ALL SELECT 'village', "villageId", 0, count(*)::int FROM open_escalations GROUP BY 2
        UNION ALL SELECT 'cadre', "leaderId", 0, count(*)::int FROM open_escalations GROUP BY 2
      )
      SELECT dim, key, sum(overdue)::int AS overdue, sum(escalations)::int AS escalations
      FROM counted GROUP BY dim, key`,
    prisma.village.findMany({ select: { id: true, name: true } }),
  ]);
  const of = (dim: string) => new Map(rows.filter((r) => r.dim === dim).map((r) => [r.key, r] as const));
  const byRung = of('rung');
  const byVillage = of('village');
  const byCadre = of('cadre');
  const cadres = await prisma.cadre.findMany({
    where: { id: { in: [...byCadre.keys()] } },
    select: cadreRefSelect,
  });
  const villageName = new Map(villages.map((v) => [v.id, v.name]));
  const total = (m: Map<string, Counts>) =>
    [...m.values()].reduce(
      (sum, c) => ({ overdue: sum.overdue + c.overdue, escalations: sum.escalations + c.escalations }),
      {
        overdue: 0,
        escalations: 0,
      },
    );
  return {
    total: total(byRung),
    byRung: [...byRung.keys()]
      .map(Number)
      .sort((a, b) => a - b)
      .map((rung) => group(String(rung), rungLabel(rung), byRung.get(String(rung)))),
    byVillage: [...byVillage.entries()]
      .map(([id, c]) => group(id, villageName.get(id) ?? id, c))
      .sort(
        (a, b) =>
          b.overdueTaskCount + b.openEscalationCount - (a.overdueTaskCount + a.openEscalationCount) ||
          a.label.localeCompare(b.label, 'zh'),
      ),
    byLeader: cadres
      .map((c) => group(c.id, `${c.name}（${rankLabel(c.rank)}）`, byCadre.get(c.id)))
      .sort(
        (a, b) =>
          b.openEscalationCount - a.openEscalationCount ||
          b.overdueTaskCount - a.overdueTaskCount ||
          a.label.localeCompare(b.label, 'zh'),
      ),
  };
}

/** The supervisors' board at `now`, each list one page. */
export async function supervisionBoard(
  prisma: PrismaClient,
  args: { now: Date; pages?: BoardPages },
): Promise<SupervisionBoard> {
  const { now, pages = {} } = args;
  const [overdueTasks, openEscalations, counts, { atRisk, progress }] = await Promise.all([
    loadOverdueTasks(prisma, now, pages.overdueTasks),
    loadEscalations(prisma, OPEN_ESCALATION, pages.openEscalations),
    boardCounts(prisma, now),
    householdStanding(prisma, { atRisk: pages.householdsAtRisk, progress: pages.progress }),
  ]);
  return {
    generatedAt: iso(now),
    overdueTaskCount: counts.total.overdue,
    openEscalationCount: counts.total.escalations,
    overdueTasks: overdueTasks.items,
    openEscalations: openEscalations.items,
    byRung: counts.byRung,
    byVillage: counts.byVillage,
    byLeader: counts.byLeader,
    householdsAtRiskCount: atRisk.count,
    householdsAtRisk: atRisk.rows,
    progress,
    pages: {
      overdueTasks: overdueTasks.page,
      openEscalations: openEscalations.page,
      householdsAtRisk: atRisk.page,
      progress: progress.page,
    },
  };
}
