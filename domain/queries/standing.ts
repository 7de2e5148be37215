// Where each household stands (open follow-ups, highest open rung, last visit, compliant visits in a
// row, the policy's required number), computed by PostgreSQL for every household at once, and the
// at-risk list and exit progress read from it a page at a time. Nothing per household crosses into
// JavaScript except the page shown.
import type { PrismaClient } from '../../db/client.js';
import {
  ACTIVE_STATUSES,
  categoryLabel,
  HOUSEHOLD_STATUS_LABELS,
  HOUSEHOLD_STATUSES,
  statusLabel,
} from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';
import { policyLookup } from '../policy-versions.js';
import {
  BAD_CURSOR_MESSAGE,
  decodeCursor,
  type PageInfo,
  type PageRequest,
  pageOf,
  pageSize,
} from './pagination.js';
import type { HouseholdRef } from './shared.js';

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
  /** This page of the households still under supervision, the closest to a stable exit first. */
  households: ExitProgressRow[];
  page: PageInfo;
}

/** Households at risk: how many, and this page of them (most reasons first, then highest rung). */
export interface AtRiskPage {
  count: number;
  /** Per village id: how many of its households are at risk. */
  byVillage: Map<string, number>;
  rows: AtRiskRow[];
  page: PageInfo;
}

interface StandingRow {
  id: string;
  number: string;
  headName: string;
  villageId: string;
  villageName: string;
  category: string;
  status: string;
  openFollowUps: number;
  highestOpenRung: number;
  lastVisitAt: Date | null;
  lastVisitCompliant: boolean | null;
  streak: number;
  minCompliant: number;
  reasons: number;
}

const active = Prisma.join(ACTIVE_STATUSES.map((s) => Prisma.sql`${s}`));

/**
 * The standing of every household (of one village): a CTE the at-risk and progress queries read.
 * The policy's minCompliantVisits per version is passed in as a VALUES list (a handful of versions).
 */
async function standingCte(prisma: PrismaClient, villageId: string | undefined): Promise<Prisma.Sql> {
  const policyOf = await policyLookup(prisma);
  const versions = await prisma.household.findMany({
    distinct: ['policyVersion'],
    select: { policyVersion: true },
  });
  const mins = Prisma.join(
    [
      Prisma.sql`(NULL::text, ${policyOf(null).stableExit.minCompliantVisits}::int)`,
      ...versions.flatMap((v) =>
        v.policyVersion === null
          ? []
          : [
              Prisma.sql`(${v.policyVersion}::text, ${policyOf(v.policyVersion).stableExit.minCompliantVisits}::int)`,
            ],
      ),
    ],
    ', ',
  );
  const where = villageId ? Prisma.sql`h."villageId" = ${villageId}` : Prisma.sql`TRUE`;
  return Prisma.sql`
    WITH mins(version, n) AS (VALUES ${mins}),
    hh AS (
      SELECT h.id, h.number, h."headName", h."villageId", v.name AS "villageName", h.category, h.status,
        h."policyVersion"
      FROM "Household" h JOIN "Village" v ON v.id = h."villageId" WHERE ${where}
    ),
    last_visit AS (
      SELECT DISTINCT ON (r."householdId") r."householdId", r."visitedAt", r.compliant
      FROM "VisitRecord" r JOIN hh ON hh.id = r."householdId"
      ORDER BY r."householdId", r."visitedAt" DESC, r.id DESC
    ),
    last_miss AS (
      SELECT r."householdId", max(r."visitedAt") AS at
      FROM "VisitRecord" r JOIN hh ON hh.id = r."householdId" WHERE NOT r.compliant GROUP BY 1
    ),
    streak AS (
      SELECT r."householdId", count(*)::int AS n
      FROM "VisitRecord" r JOIN hh ON hh.id = r."householdId" LEFT JOIN last_miss m USING ("householdId")
      WHERE r.compliant AND (m.at IS NULL OR r."visitedAt" > m.at) GROUP BY 1
    ),
    open_work AS (
      SELECT t."householdId", count(DISTINCT t.id) FILTER (WHERE t.kind = 'FOLLOW_UP')::int AS follow_ups,
        coalesce(max(e.rung), 0)::int AS rung
      FROM "Task" t LEFT JOIN "Escalation" e ON e."taskId" = t.id AND e."closedAt" IS NULL
      WHERE t.status = 'OPEN' GROUP BY 1
    ),
    standing AS (
      SELECT hh.*, coalesce(w.follow_ups, 0) AS "openFollowUps", coalesce(w.rung, 0) AS "highestOpenRung",
        lv."visitedAt" AS "lastVisitAt", lv.compliant AS "lastVisitCompliant", coalesce(s.n, 0) AS streak,
        coalesce(m.n, (SELECT n FROM mins WHERE version IS NULL)) AS "minCompliant",
        (CASE WHEN coalesce(w.follow_ups, 0) > 0 THEN 1 ELSE 0 END
          + CASE WHEN lv.compliant = false THEN 1 ELSE 0 END
          + CASE WHEN coalesce(w.rung, 0) >= 2 THEN 1 ELSE 0 END) AS reasons
      FROM hh LEFT JOIN open_work w ON w."householdId" = hh.id LEFT JOIN last_visit lv ON lv."householdId" = hh.id
        LEFT JOIN streak s ON s."householdId" = hh.id LEFT JOIN mins m ON m.version = hh."policyVersion"
      WHERE hh.status IN (${active})
    )`;
}

const summaryOf = (r: StandingRow): HouseholdSummaryRow => ({
  id: r.id,
  number: r.number,
  headName: r.headName,
  village: { id: r.villageId, name: r.villageName },
  category: r.category,
  categoryLabel: categoryLabel(r.category),
  status: r.status,
  statusLabel: statusLabel(r.status),
});

function atRiskRow(r: StandingRow): AtRiskRow {
  const reasons: AtRiskRow['reasons'] = [];
  if (r.openFollowUps > 0)
    reasons.push({ code: 'OPEN_FOLLOW_UP', label: `有 ${r.openFollowUps} 项问题未整改` });
  if (r.lastVisitCompliant === false)
    reasons.push({ code: 'LAST_VISIT_NON_COMPLIANT', label: '最近一次走访未达标' });
  if (r.highestOpenRung >= 2)
    reasons.push({ code: 'ESCALATED', label: `逾期任务已升级至第 ${r.highestOpenRung} 级` });
  return {
    household: summaryOf(r),
    reasons,
    openFollowUps: r.openFollowUps,
    lastVisitAt: r.lastVisitAt ? r.lastVisitAt.toISOString() : null,
    lastVisitCompliant: r.lastVisitCompliant,
    highestOpenRung: r.highestOpenRung,
  };
}

/** A keyset condition and order over `standing` for the given sort columns (all NOT NULL). */
function keyset(
  columns: Array<{ sql: string; order: 'asc' | 'desc'; type: 'number' | 'string' }>,
  request: PageRequest,
) {
  const limit = pageSize(request.limit);
  const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor, columns.length);
  const backwards = cursor?.direction === 'prev';
  const dir = (o: 'asc' | 'desc') => ((o === 'asc') !== backwards ? 'ASC' : 'DESC');
  let condition = Prisma.sql`TRUE`;
  if (cursor) {
    const values = cursor.key.map((v, i) => {
      const c = columns[i];
      if (c?.type === 'number' ? typeof v !== 'number' : typeof v !== 'string')
        throw new DomainError('INVALID', BAD_CURSOR_MESSAGE);
      return v;
    });
    const ors = columns.map((c, i) => {
      const eqs = columns.slice(0, i).map((p, j) => Prisma.sql`${Prisma.raw(p.sql)} = ${values[j]}`);
      const later = (c.order === 'asc') !== backwards ? '>' : '<';
      return Prisma.join(
        [...eqs, Prisma.sql`${Prisma.raw(c.sql)} ${Prisma.raw(later)} ${values[i]}`],
        ' AND ',
      );
    });
    condition = Prisma.sql`(${Prisma.join(
      ors.map((o) => Prisma.sql`(${o})`),
      ' OR ',
    )})`;
  }
  const orderBy = Prisma.raw(columns.map((c) => `${c.sql} ${dir(c.order)}`).join(', '));
  return { limit, cursor, condition, orderBy };
}

export const AT_RISK_KEY_ARITY = 4;
export const PROGRESS_KEY_ARITY = 2;

const AT_RISK_ORDER = [
  { sql: 'reasons', order: 'desc', type: 'number' },
  { sql: '"highestOpenRung"', order: 'desc', type: 'number' },
  { sql: '"villageName"', order: 'asc', type: 'string' },
  { sql: 'number', order: 'asc', type: 'string' },
] as const;

const PROGRESS_ORDER = [
  { sql: 'greatest(0, "minCompliant" - streak)', order: 'asc', type: 'number' },
  { sql: 'number', order: 'asc', type: 'string' },
] as const;

/** A standing row as json_agg writes it: instants without a zone, in UTC. */
type StandingJson = Omit<StandingRow, 'lastVisitAt'> & { lastVisitAt: string | null };
const fromJson = (r: StandingJson): StandingRow => ({
  ...r,
  lastVisitAt: r.lastVisitAt === null ? null : new Date(`${r.lastVisitAt}Z`),
});

export interface HouseholdStanding {
  atRisk: AtRiskPage;
  progress: ExitProgress;
}

/**
 * At risk: still under supervision and an open follow-up, or a last visit that was not compliant,
 * or an open escalation at rung 2 or higher (a leader above the assignee has been told); most
 * reasons first, then the highest rung. Progress: the households under supervision, the closest
 * to a stable exit first. One query: PostgreSQL computes the standing once for both pages and the
 * per-village counts.
 */
export async function householdStanding(
  prisma: PrismaClient,
  args: { villageId?: string; atRisk?: PageRequest; progress?: PageRequest } = {},
): Promise<HouseholdStanding> {
  const cte = await standingCte(prisma, args.villageId);
  const a = keyset([...AT_RISK_ORDER], args.atRisk ?? {});
  const p = keyset([...PROGRESS_ORDER], args.progress ?? {});
  const [[lists], statuses] = await Promise.all([
    prisma.$queryRaw<
      Array<{
        atRisk: StandingJson[];
        atRiskByVillage: Array<{ villageId: string; n: number }>;
        progress: StandingJson[];
      }>
    >`${cte}
      SELECT
        (SELECT coalesce(json_agg(r), '[]'::json) FROM (
          SELECT * FROM standing WHERE reasons > 0 AND ${a.condition} ORDER BY ${a.orderBy} LIMIT ${a.limit + 1}
        ) r) AS "atRisk",
        (SELECT coalesce(json_agg(c), '[]'::json) FROM (
          SELECT "villageId", count(*)::int AS n FROM standing WHERE reasons > 0 GROUP BY 1
        ) c) AS "atRiskByVillage",
        (SELECT coalesce(json_agg(q), '[]'::json) FROM (
          SELECT * FROM standing WHERE ${p.condition} ORDER BY ${p.orderBy} LIMIT ${p.limit + 1}
        ) q) AS progress`,
    prisma.household.groupBy({
      by: ['status'],
      where: args.villageId ? { villageId: args.villageId } : {},
      _count: { _all: true },
    }),
  ]);
  const riskPage = pageOf((lists?.atRisk ?? []).map(fromJson), {
    limit: a.limit,
    cursor: a.cursor,
    keyOf: (r) => [r.reasons, r.highestOpenRung, r.villageName, r.number],
  });
  const byVillage = new Map((lists?.atRiskByVillage ?? []).map((c) => [c.villageId, c.n]));
  const progressPage = pageOf((lists?.progress ?? []).map(fromJson), {
    limit: p.limit,
    cursor: p.cursor,
    keyOf: (r) => [Math.max(0, r.minCompliant - r.streak), r.number],
  });
  const counts = new Map(statuses.map((s) => [s.status, s._count._all]));
  const known = new Set<string>(HOUSEHOLD_STATUSES);
  return {
    atRisk: {
      count: [...byVillage.values()].reduce((x, y) => x + y, 0),
      byVillage,
      rows: riskPage.items.map(atRiskRow),
      page: riskPage.page,
    },
    progress: {
      total: statuses.reduce((sum, s) => sum + s._count._all, 0),
      byStatus: [
        ...HOUSEHOLD_STATUSES.map((status) => ({
          status,
          label: HOUSEHOLD_STATUS_LABELS[status],
          count: counts.get(status) ?? 0,
        })),
        ...[...counts.entries()]
          .filter(([status]) => !known.has(status))
          .map(([status, count]) => ({ status, label: status, count })),
      ],
      households: progressPage.items.map((r) => ({
        household: summaryOf(r),
        consecutiveCompliantVisits: r.streak,
        minCompliantVisits: r.minCompliant,
        remaining: Math.max(0, r.minCompliant - r.streak),
        lastVisitAt: r.lastVisitAt ? r.lastVisitAt.toISOString() : null,
      })),
      page: progressPage.page,
    },
  };
}
