// Where each household stands (open follow-ups, highest open rung, last visit, compliant visits in a
// row, the policy's required number): read from HouseholdStanding, which PostgreSQL triggers keep up
// to date with every write (prisma/migrations/*_household_standing), the at-risk list and exit
// progress a page (an index range) at a time. Nothing per household crosses into JavaScript except
// the page shown.
import type { PrismaClient } from '../../db/client.js';
import {
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

/** A HouseholdStanding row with what a list shows of its household. */
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
  reasons: number;
}

const standingColumns = Prisma.sql`s."householdId" AS id, s.number, h."headName", s."villageId", s."villageName",
  h.category, s.status, s."openFollowUps", s."highestOpenRung", s."lastVisitAt", s."lastVisitCompliant",
  s."compliantStreak" AS streak, s."riskReasons" AS reasons`;

const inVillage = (villageId: string | undefined) =>
  villageId ? Prisma.sql`AND s."villageId" = ${villageId}` : Prisma.empty;

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

export const AT_RISK_KEY_ARITY = 4;
export const PROGRESS_KEY_ARITY = 2;

/** The cursor's values, checked against the types of the list's key. */
function cursorOf(request: PageRequest, types: ReadonlyArray<'number' | 'string'>) {
  const limit = pageSize(request.limit);
  const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor, types.length);
  if (cursor?.key.some((v, i) => typeof v !== types[i])) throw new DomainError('INVALID', BAD_CURSOR_MESSAGE);
  return { limit, cursor, backwards: cursor?.direction === 'prev' };
}

/**
 * A page of the households at risk: most reasons first, then the highest rung, then village and
 * number — one range of the index on (riskOrder, villageName, number), riskOrder being
 * −(reasons × 1000 + rung). The cursor keeps the key the pages have always shown.
 */
async function atRiskPage(prisma: PrismaClient, villageId: string | undefined, request: PageRequest) {
  const { limit, cursor, backwards } = cursorOf(request, ['number', 'number', 'string', 'string']);
  let after = Prisma.empty;
  if (cursor) {
    const [reasons, rung, villageName, number] = cursor.key as [number, number, string, string];
    const key = Prisma.sql`(${-(reasons * 1000 + rung)}::int, ${villageName}::text, ${number}::text)`;
    after = Prisma.sql`AND (s."riskOrder", s."villageName", s.number) ${Prisma.raw(backwards ? '<' : '>')} ${key}`;
  }
  const dir = Prisma.raw(backwards ? 'DESC' : 'ASC');
  const rows = await prisma.$queryRaw<StandingRow[]>`
    SELECT ${standingColumns} FROM "HouseholdStanding" s JOIN "Household" h ON h.id = s."householdId"
    WHERE s."riskOrder" <= -1000 ${inVillage(villageId)} ${after}
    ORDER BY s."riskOrder" ${dir}, s."villageName" ${dir}, s.number ${dir} LIMIT ${limit + 1}`;
  return pageOf(rows, {
    limit,
    cursor,
    keyOf: (r) => [r.reasons, r.highestOpenRung, r.villageName, r.number],
  });
}

interface ProgressRow extends StandingRow {
  minCompliant: number;
  remaining: number;
}

/**
 * A page of the households under supervision, the closest to a stable exit first (fewest compliant
 * visits still needed, then number). What is needed depends on each household's policy version, so
 * the list is merged from one ordered index range per (version, compliant visits in a row): each
 * range has one `remaining` and is read in number order, a page's worth at most. Each range is also
 * ordered by the index's leading columns (constant in it): PostgreSQL does not take a column held
 * `IS NULL` as fixed, and would sort the range rather than read the index in order.
 */
async function progressPage(prisma: PrismaClient, villageId: string | undefined, request: PageRequest) {
  const { limit, cursor, backwards } = cursorOf(request, ['number', 'string']);
  // The stored policies are read beside the versions in use, not before them.
  const [policyOf, versions] = await Promise.all([
    policyLookup(prisma),
    prisma.$queryRaw<Array<{ version: string | null; top: number | null }>>`
    WITH RECURSIVE v AS (
      (SELECT "policyVersion" AS version FROM "HouseholdStanding"
        WHERE "underSupervision" AND "policyVersion" IS NOT NULL ORDER BY 1 LIMIT 1)
      UNION ALL
      SELECT (SELECT "policyVersion" FROM "HouseholdStanding"
        WHERE "underSupervision" AND "policyVersion" > v.version ORDER BY 1 LIMIT 1)
      FROM v WHERE v.version IS NOT NULL
    )
    SELECT version, (SELECT max("compliantStreak") FROM "HouseholdStanding"
      WHERE "underSupervision" AND "policyVersion" = v.version)::int AS top
    FROM v WHERE version IS NOT NULL
    UNION ALL
    SELECT NULL, (SELECT "compliantStreak" FROM "HouseholdStanding"
      WHERE "underSupervision" AND "policyVersion" IS NULL AND "compliantStreak" IS NOT NULL
      ORDER BY "underSupervision" DESC, "policyVersion" DESC, "compliantStreak" DESC LIMIT 1)::int`,
  ]);
  const [afterRemaining, afterNumber] = (cursor?.key ?? []) as [number?, string?];
  const ranges: Prisma.Sql[] = [];
  const dir = Prisma.raw(backwards ? 'DESC' : 'ASC');
  for (const { version, top } of versions) {
    if (top === null) continue;
    const min = policyOf(version).stableExit.minCompliantVisits;
    const ofVersion =
      version === null ? Prisma.sql`s."policyVersion" IS NULL` : Prisma.sql`s."policyVersion" = ${version}`;
    for (let streak = 0; streak <= top; streak += 1) {
      const remaining = Math.max(0, min - streak);
      let after = Prisma.empty;
      if (afterRemaining !== undefined && afterNumber !== undefined) {
        if (backwards ? remaining > afterRemaining : remaining < afterRemaining) continue;
        if (remaining === afterRemaining)
          after = Prisma.sql`AND s.number ${Prisma.raw(backwards ? '<' : '>')} ${afterNumber}`;
      }
      ranges.push(Prisma.sql`(
        SELECT ${standingColumns}, ${min}::int AS "minCompliant", ${remaining}::int AS remaining
        FROM "HouseholdStanding" s JOIN "Household" h ON h.id = s."householdId"
        WHERE s."underSupervision" AND ${ofVersion} AND s."compliantStreak" = ${streak} ${inVillage(villageId)} ${after}
        ORDER BY s."underSupervision" ${dir}, s."policyVersion" ${dir}, s."compliantStreak" ${dir}, s.number ${dir}
        LIMIT ${limit + 1})`);
    }
  }
  const rows =
    ranges.length === 0
      ? []
      : await prisma.$queryRaw<ProgressRow[]>`
          SELECT * FROM (${Prisma.join(ranges, ' UNION ALL ')}) p
          ORDER BY remaining ${dir}, number ${dir} LIMIT ${limit + 1}`;
  return pageOf(rows, { limit, cursor, keyOf: (r) => [r.remaining, r.number] });
}

/** A kept `household` count's key, `<villageId>/<category>/<status>`, taken apart. */
function householdCountOf(r: { key: string; n: number }) {
  const parts = r.key.split('/');
  const status = parts.pop() ?? '';
  const category = parts.pop() ?? '';
  return { villageId: parts.join('/'), category, status, n: r.n };
}

/** A filter on the kept keys `<villageId>/…` to one village's (none: every village's). */
const onlyVillageKeys = (villageId: string | undefined) =>
  villageId ? Prisma.sql`AND left(k.key, length(${villageId}) + 1) = ${villageId} || '/'` : Prisma.empty;

/**
 * Households per village, category and status, as the `board_counts` triggers keep them (KeptCount
 * `household`, key `<villageId>/<category>/<status>`): a row per combination, not per household.
 */
export async function householdCounts(prisma: PrismaClient, villageId?: string) {
  const rows = await prisma.$queryRaw<Array<{ key: string; n: number }>>`
    SELECT k.key, k.n FROM "KeptCount" k WHERE k.kind = 'household' AND k.dim = 'village' ${onlyVillageKeys(villageId)}`;
  return rows.map(householdCountOf);
}

/**
 * The kept households and households at risk per village, in one statement (a statement costs the
 * client about a millisecond of CPU, whatever it reads). The households per village, category and
 * status (as householdCounts: 1,725 rows at 100,000 households) only when `perVillage`; otherwise
 * summed per status by PostgreSQL (a handful of rows, a few milliseconds of the client's CPU less).
 */
async function villageCounts(prisma: PrismaClient, villageId: string | undefined, perVillage: boolean) {
  const households = perVillage
    ? Prisma.sql`SELECT k.kind, k.key, k.n FROM "KeptCount" k
        WHERE k.kind = 'household' AND k.dim = 'village' ${onlyVillageKeys(villageId)}`
    : Prisma.sql`SELECT 'status' AS kind, substring(k.key FROM '[^/]*$') AS key, sum(k.n)::int AS n FROM "KeptCount" k
        WHERE k.kind = 'household' AND k.dim = 'village' ${onlyVillageKeys(villageId)} GROUP BY 2`;
  const rows = await prisma.$queryRaw<Array<{ kind: string; key: string; n: number }>>`
    ${households}
    UNION ALL
    SELECT k.kind, k.key, k.n FROM "KeptCount" k
    WHERE k.kind = 'at-risk' AND k.dim = 'village' ${villageId ? Prisma.sql`AND k.key = ${villageId}` : Prisma.empty}`;
  const perHousehold = rows.filter((r) => r.kind === 'household').map(householdCountOf);
  return {
    households: perVillage ? perHousehold : undefined,
    statuses: perVillage
      ? householdsByStatus(perHousehold)
      : rows.filter((r) => r.kind === 'status').map((r) => ({ status: r.key, n: r.n })),
    atRisk: new Map(rows.filter((r) => r.kind === 'at-risk').map((r) => [r.key, r.n])),
  };
}

export type HouseholdCount = Awaited<ReturnType<typeof householdCounts>>[number];

function householdsByStatus(counts: HouseholdCount[]) {
  const byStatus = new Map<string, number>();
  for (const r of counts) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + r.n);
  return [...byStatus.entries()].map(([status, n]) => ({ status, n }));
}

export interface HouseholdStanding {
  atRisk: AtRiskPage;
  progress: ExitProgress;
  /** With `perVillage`: the kept households per village, category and status the progress counts were summed from. */
  householdCounts?: HouseholdCount[];
}

/**
 * At risk: still under supervision and an open follow-up, or a last visit that was not compliant,
 * or an open escalation at rung 2 or higher (a leader above the assignee has been told); most
 * reasons first, then the highest rung. Progress: the households under supervision, the closest
 * to a stable exit first. Read from HouseholdStanding, which triggers keep up to date: each list is
 * one page of an index, the counts are grouped by PostgreSQL.
 */
export async function householdStanding(
  prisma: PrismaClient,
  args: { villageId?: string; atRisk?: PageRequest; progress?: PageRequest; perVillage?: boolean } = {},
): Promise<HouseholdStanding> {
  const [riskPage, progressPage_, { households, statuses, atRisk: byVillage }] = await Promise.all([
    atRiskPage(prisma, args.villageId, args.atRisk ?? {}),
    progressPage(prisma, args.villageId, args.progress ?? {}),
    villageCounts(prisma, args.villageId, args.perVillage ?? false),
  ]);
  const counts = new Map(statuses.map((s) => [s.status, s.n]));
  const known = new Set<string>(HOUSEHOLD_STATUSES);
  return {
    atRisk: {
      count: [...byVillage.values()].reduce((x, y) => x + y, 0),
      byVillage,
      rows: riskPage.items.map(atRiskRow),
      page: riskPage.page,
    },
    progress: {
      total: statuses.reduce((sum, s) => sum + s.n, 0),
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
      households: progressPage_.items.map((r) => ({
        household: summaryOf(r),
        consecutiveCompliantVisits: r.streak,
        minCompliantVisits: r.minCompliant,
        remaining: r.remaining,
        lastVisitAt: r.lastVisitAt ? r.lastVisitAt.toISOString() : null,
      })),
      page: progressPage_.page,
    },
    householdCounts: households,
  };
}
