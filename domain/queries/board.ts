// 督战看板: overdue work and open escalations by rung, village and leader; households at risk;
// progress toward a stable exit. Read from PostgreSQL only: the counts are grouped there, and each
// list is one page (each task serialised once, in its list; the groups carry counts).

import type { PrismaClient } from '../../db/client.js';
import { CADRE_RANK_LABELS } from '../../policy/household-types.js';
import { ESCALATION_RANK_LABELS, latestPolicy } from '../../policy/index.js';
import { labelOf } from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';
import { startOfUtcDay, startOfUtcHour } from './kept-counts.js';
import { type BoardEscalationRow, loadEscalations, loadOverdueTasks } from './list-rows.js';
import {
  BAD_CURSOR_MESSAGE,
  decodeCursor,
  type Page,
  type PageInfo,
  type PageRequest,
  pageOf,
  pageSize,
} from './pagination.js';
import { byChineseLabel, iso, type TaskRow } from './shared.js';
import { type AtRiskRow, type ExitProgress, householdStanding } from './standing.js';

export {
  type BoardEscalationRow,
  ESCALATION_KEY,
  type EscalationFilter,
  loadEscalations,
  loadOverdueTasks,
  OVERDUE_TASK_KEY,
} from './list-rows.js';
export type {
  AtRiskRow,
  ExitProgress,
  ExitProgressRow,
  HouseholdSummaryRow,
  RiskReason,
} from './standing.js';

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
   * This page of the cadres with their own overdue tasks (as assignee) and the open escalations
   * addressed to them (as the leader of a rung); most escalations first.
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
    leaders: PageInfo;
    householdsAtRisk: PageInfo;
    progress: PageInfo;
  };
}

/** The board's lists, each paged on its own. */
export interface BoardPages {
  overdueTasks?: PageRequest;
  openEscalations?: PageRequest;
  leaders?: PageRequest;
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

// "Overdue at `now`" is read from the kept open tasks of the UTC days before `now`'s (KeptCount
// `open-task`, by due day) and, for `now`'s own day: per rung, the open tasks due from its start to
// `now` (one index-only range of Task (status, dueAt, rung, …)); per village, the kept open tasks of
// its whole hours before `now`'s (`open-task-hour`) and the tasks of `now`'s own hour up to `now`,
// each one's household looked up for its village.

/**
 * Overdue tasks and open escalations per rung and per village, and their totals, from the counts the
 * `board_counts` triggers keep (prisma/migrations/*_board_counts): a few hundred rows whatever the
 * number of households.
 */
export async function boardCounts(prisma: PrismaClient, now: Date) {
  const dayStart = startOfUtcDay(now);
  const hourStart = startOfUtcHour(now);
  // A rung's counts are kept in shards (`<rung>/<shard>`): summed here.
  const keyOf = Prisma.sql`CASE k.dim WHEN 'rung' THEN split_part(k.key, '/', 1) ELSE k.key END AS key`;
  // A village's name is joined to its row (a few hundred): a hash of the villages, not a subquery per
  // row (PostgreSQL scanned the small Village table once per row: 8–10 ms at 250 villages).
  const rows = await prisma.$queryRaw<
    Array<{ dim: string; key: string; name: string | null; overdue: number; escalations: number }>
  >`
    WITH counted AS (
      SELECT k.dim, ${keyOf}, k.n AS overdue, 0 AS escalations FROM "KeptCount" k
      WHERE k.kind = 'open-task' AND k.dim IN ('rung', 'village') AND k.bucket < ${dayStart}
      UNION ALL
      SELECT 'rung', t.rung::text, 1, 0 FROM "Task" t
      WHERE t.status = 'OPEN' AND t."dueAt" >= ${dayStart} AND t."dueAt" < ${now}
      UNION ALL
      SELECT k.dim, k.key, k.n, 0 FROM "KeptCount" k
      WHERE k.kind = 'open-task-hour' AND k.dim = 'village' AND k.bucket >= ${dayStart} AND k.bucket < ${hourStart}
      UNION ALL
      SELECT 'village', (SELECT h."villageId" FROM "Household" h WHERE h.id = t."householdId"), 1, 0 FROM "Task" t
      WHERE t.status = 'OPEN' AND t."dueAt" >= ${hourStart} AND t."dueAt" < ${now}
      UNION ALL
      SELECT k.dim, ${keyOf}, 0, k.n FROM "KeptCount" k
      WHERE k.kind = 'open-escalation' AND k.dim IN ('rung', 'village')
    ), grouped AS (
      SELECT dim, key, sum(overdue)::int AS overdue, sum(escalations)::int AS escalations
      FROM counted GROUP BY dim, key
    )
    SELECT g.*, v.name FROM grouped g LEFT JOIN "Village" v ON g.dim = 'village' AND v.id = g.key`;
  const of = (dim: string) => new Map(rows.filter((r) => r.dim === dim).map((r) => [r.key, r] as const));
  const byRung = of('rung');
  const byVillage = of('village');
  const villageName = new Map(
    rows.flatMap((r) => (r.dim === 'village' && r.name !== null ? [[r.key, r.name] as const] : [])),
  );
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
          byChineseLabel(a.label, b.label),
      ),
  };
}

export const LEADER_KEY_ARITY = 4;

/**
 * A page of the cadres with overdue tasks of their own (as assignee) or open escalations addressed to
 * them (as a rung's leader): most escalations first, then most overdue, then by label in Chinese
 * order (PostgreSQL's ICU `zh` collation, the order of `localeCompare(…, 'zh')`), then id. Counted
 * from the kept per-cadre counts, as boardCounts.
 */
export async function loadLeaderGroups(
  prisma: PrismaClient,
  now: Date,
  request: PageRequest = {},
): Promise<Page<BoardGroup>> {
  const limit = pageSize(request.limit);
  const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor, LEADER_KEY_ARITY);
  const types = ['number', 'number', 'string', 'string'];
  if (cursor?.key.some((v, i) => typeof v !== types[i])) throw new DomainError('INVALID', BAD_CURSOR_MESSAGE);
  const backwards = cursor?.direction === 'prev';
  const dayStart = startOfUtcDay(now);
  const ranks = Prisma.join(
    Object.entries(CADRE_RANK_LABELS).map(([rank, label]) => Prisma.sql`(${rank}::text, ${label}::text)`),
  );
  let after = Prisma.empty;
  if (cursor) {
    const [escalations, overdue, label, id] = cursor.key as [number, number, string, string];
    after = Prisma.sql`WHERE (-g.escalations, -g.overdue, g.label COLLATE "zh-x-icu", g.id)
      ${Prisma.raw(backwards ? '<' : '>')} (${-escalations}::int, ${-overdue}::int, ${label}::text, ${id}::text)`;
  }
  const dir = Prisma.raw(backwards ? 'DESC' : 'ASC');
  const beyond = Prisma.raw(backwards ? '<' : '>');
  // Only the rows a page can hold get a label (a join and an ICU sort): those up to the (limit + 1)th
  // by (escalations, overdue) after the cursor's pair, with their ties, and the cursor's own ties.
  // Every key is a cadre's (tasks and escalations reference Cadre), so every candidate has a label.
  let pairAfterCursor = Prisma.sql`TRUE`;
  let cursorTies = Prisma.sql`FALSE`;
  if (cursor) {
    const [escalations, overdue] = cursor.key as [number, number];
    const pair = Prisma.sql`(${-escalations}::int, ${-overdue}::int)`;
    pairAfterCursor = Prisma.sql`(-s.escalations, -s.overdue) ${beyond} ${pair}`;
    cursorTies = Prisma.sql`(-s.escalations, -s.overdue) = ${pair}`;
  }
  const everyCadre = Prisma.sql`SELECT x.id, sum(x.overdue)::int AS overdue, sum(x.escalations)::int AS escalations
    FROM counted x`;
  // The first page, when at least limit + 1 cadres have open escalations: it holds only cadres with
  // at least the (limit + 1)th highest number of them, so only their overdue tasks are summed (two
  // index ranges each), not every cadre's. Otherwise (or past the first page) every cadre's.
  const summed = cursor
    ? Prisma.sql`summed AS (${everyCadre} GROUP BY x.id)`
    : Prisma.sql`escalated AS (
        SELECT k.key AS id, sum(k.n)::int AS escalations FROM "KeptCount" k
        WHERE k.kind = 'open-escalation' AND k.dim = 'cadre' GROUP BY k.key
      ), bound AS (
        SELECT e.escalations FROM escalated e ORDER BY e.escalations DESC OFFSET ${limit} LIMIT 1
      ), summed AS (
        SELECT e.id, (
          (SELECT coalesce(sum(k.n), 0) FROM "KeptCount" k
            WHERE k.kind = 'open-task' AND k.dim = 'cadre' AND k.key = e.id AND k.bucket < ${dayStart})
          + (SELECT count(*) FROM "Task" t
            WHERE t."assigneeId" = e.id AND t.status = 'OPEN' AND t."dueAt" >= ${dayStart} AND t."dueAt" < ${now})
        )::int AS overdue, e.escalations
        FROM escalated e WHERE e.escalations >= (SELECT b.escalations FROM bound b)
        UNION ALL
        ${everyCadre} WHERE NOT EXISTS (SELECT 1 FROM bound) GROUP BY x.id
      )`;
  const rows = await prisma.$queryRaw<
    Array<{ id: string; label: string; overdue: number; escalations: number }>
  >`
    WITH counted AS (
      SELECT k.key AS id, k.n AS overdue, 0 AS escalations FROM "KeptCount" k
      WHERE k.kind = 'open-task' AND k.dim = 'cadre' AND k.bucket < ${dayStart}
      UNION ALL
      SELECT t."assigneeId", 1, 0 FROM "Task" t
      WHERE t.status = 'OPEN' AND t."dueAt" >= ${dayStart} AND t."dueAt" < ${now}
      UNION ALL
      SELECT k.key, 0, k.n FROM "KeptCount" k WHERE k.kind = 'open-escalation' AND k.dim = 'cadre'
    ), ${summed}, ranked AS (
      -- rank − 1: how many rows come before the row's (escalations, overdue); the cursor's ties first.
      SELECT s.*, rank() OVER (ORDER BY -s.escalations ${dir}, -s.overdue ${dir}) AS r,
        count(*) FILTER (WHERE ${cursorTies}) OVER () AS ties
      FROM summed s WHERE ${cursorTies} OR ${pairAfterCursor}
    ), g AS (
      -- The label looked up for each candidate (an index probe each), not every cadre hashed.
      SELECT s.id, s.overdue, s.escalations, (
        SELECT c.name || '（' || coalesce(r.label, c.rank) || '）'
        FROM "Cadre" c LEFT JOIN (VALUES ${ranks}) AS r(rank, label) ON r.rank = c.rank WHERE c.id = s.id
      ) AS label
      FROM ranked s WHERE s.r <= s.ties + ${limit + 1}
    )
    SELECT * FROM g ${after}
    ORDER BY -g.escalations ${dir}, -g.overdue ${dir}, g.label COLLATE "zh-x-icu" ${dir}, g.id ${dir}
    LIMIT ${limit + 1}`;
  const page = pageOf(rows, {
    limit,
    cursor,
    keyOf: (r) => [r.escalations, r.overdue, r.label, r.id],
  });
  return {
    items: page.items.map((r) => group(r.id, r.label, r)),
    page: page.page,
  };
}

/** The supervisors' board at `now`, each list one page. */
export async function supervisionBoard(
  prisma: PrismaClient,
  args: { now: Date; pages?: BoardPages },
): Promise<SupervisionBoard> {
  const { now, pages = {} } = args;
  const [overdueTasks, openEscalations, counts, leaders, { atRisk, progress }] = await Promise.all([
    loadOverdueTasks(prisma, now, pages.overdueTasks),
    loadEscalations(prisma, { open: true }, pages.openEscalations),
    boardCounts(prisma, now),
    loadLeaderGroups(prisma, now, pages.leaders),
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
    byLeader: leaders.items,
    householdsAtRiskCount: atRisk.count,
    householdsAtRisk: atRisk.rows,
    progress,
    pages: {
      overdueTasks: overdueTasks.page,
      openEscalations: openEscalations.page,
      leaders: leaders.page,
      householdsAtRisk: atRisk.page,
      progress: progress.page,
    },
  };
}
