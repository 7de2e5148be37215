// 农户名册: the township's households as one searchable, filterable, sortable, paginated list.
// Written for 100,000 households: search, filters, sort and the page are SQL (PostgreSQL picks the
// page before anything per household is computed), the prefix search uses the SP-GiST indexes of
// the `household_roster` migration, and only the page's rows get their tasks and latest visit.
import { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import { HOUSEHOLD_CATEGORIES, LABOUR_CLASSES } from '../../policy/index.js';
import { singleLine } from '../../policy/plain-text.js';
import {
  ACTIVE_STATUSES,
  categoryLabel,
  HOUSEHOLD_STATUSES,
  labourClassLabel,
  statusLabel,
} from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import type { HouseholdScope } from '../access.js';
import { policyLookup } from '../policy-versions.js';
import { householdCounts } from './standing.js';

export const ROSTER_SORTS = ['number', 'headName', 'village', 'lastVisit'] as const;
export const ROSTER_SORT_LABELS: Record<(typeof ROSTER_SORTS)[number], string> = {
  number: '户编号',
  headName: '户主',
  village: '村',
  lastVisit: '最近走访',
};
export const ROSTER_RISKS = ['any', 'income', 'followUp'] as const;
export const ROSTER_RISK_LABELS: Record<(typeof ROSTER_RISKS)[number], string> = {
  any: '有风险（收入低于收入线或有未整改问题）',
  income: '最近收入低于收入线',
  followUp: '有未整改问题',
};
export const ROSTER_MAX_PAGE_SIZE = 100;
const ROSTER_DEFAULT_PAGE_SIZE = 50;

const flag = z
  .enum(['1', 'true', '0', 'false', ''], { error: '只能是 1 或 0' })
  .transform((v) => v === '1' || v === 'true')
  .optional();
const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);

/** The roster's filters, as the page's form and the API's query string send them. */
export const rosterQuerySchema = z.object({
  q: z.preprocess(blankToUndefined, singleLine('搜索内容', 40).optional()),
  villageId: z.preprocess(blankToUndefined, z.string().max(64).optional()),
  category: z.preprocess(
    blankToUndefined,
    z.enum(HOUSEHOLD_CATEGORIES, { error: '户类别不正确' }).optional(),
  ),
  status: z.preprocess(blankToUndefined, z.enum(HOUSEHOLD_STATUSES, { error: '督战状态不正确' }).optional()),
  labourClass: z.preprocess(
    blankToUndefined,
    z.enum(LABOUR_CLASSES, { error: '劳动力类型不正确' }).optional(),
  ),
  cadreId: z.preprocess(blankToUndefined, z.string().max(64).optional()),
  minRung: z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: '督办级别必须是数字' }).int('督办级别必须是整数').min(1).max(20).optional(),
  ),
  overdue: flag,
  risk: z.preprocess(blankToUndefined, z.enum(ROSTER_RISKS, { error: '风险条件不正确' }).optional()),
  sort: z.preprocess(blankToUndefined, z.enum(ROSTER_SORTS, { error: '排序字段不正确' }).default('number')),
  dir: z.preprocess(blankToUndefined, z.enum(['asc', 'desc'], { error: '排序方向不正确' }).default('asc')),
  page: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: '页码必须是数字' })
      .int('页码必须是整数')
      .min(1, '页码从 1 开始')
      .max(100_000)
      .default(1),
  ),
  pageSize: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: '每页条数必须是数字' })
      .int('每页条数必须是整数')
      .min(1, '每页至少 1 条')
      .max(ROSTER_MAX_PAGE_SIZE, `每页最多 ${ROSTER_MAX_PAGE_SIZE} 条`)
      .default(ROSTER_DEFAULT_PAGE_SIZE),
  ),
});
export type RosterQuery = z.infer<typeof rosterQuerySchema>;

export interface RosterRow {
  id: string;
  number: string;
  headName: string;
  village: { id: string; name: string };
  category: string;
  categoryLabel: string;
  labourClass: string;
  labourClassLabel: string;
  status: string;
  statusLabel: string;
  memberCount: number;
  /** The open 帮扶责任人 and paired leader. */
  assistanceCadre: { id: string; name: string } | null;
  leaderCadre: { id: string; name: string } | null;
  lastVisitAt: string | null;
  latestIncomeYuan: number | null;
  incomeLineYuan: number;
  incomeBelowLine: boolean;
  openTasks: number;
  overdueTasks: number;
  openFollowUps: number;
  /** Highest escalation rung among the open tasks (0 = none). */
  highestRung: number;
}

export interface RosterPage {
  rows: RosterRow[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
}

/** The income line of each stored policy version, and the current one for a household without. */
async function incomeLines(prisma: PrismaClient) {
  const policyOf = await policyLookup(prisma);
  // In the database's order of versions: the ranges between them are the database's too (riskTotal).
  const versions = await prisma.policyVersion.findMany({
    select: { version: true },
    orderBy: { version: 'asc' },
  });
  return {
    current: policyOf(null).incomeLineYuanPerPersonYear,
    byVersion: versions.map((v) => [v.version, policyOf(v.version).incomeLineYuanPerPersonYear] as const),
  };
}

type Lines = Awaited<ReturnType<typeof incomeLines>>;

/** `line` is the household's income line: its policy version's, or the current policy's. */
function linesCte(lines: Lines): Prisma.Sql {
  const rows = lines.byVersion.length
    ? Prisma.join(lines.byVersion.map(([version, yuan]) => Prisma.sql`(${version}::text, ${yuan}::numeric)`))
    : Prisma.sql`(NULL::text, NULL::numeric)`;
  return Prisma.sql`lines(version, yuan) AS (VALUES ${rows})`;
}

const openTask = Prisma.sql`t."householdId" = h.id AND t.status = 'OPEN'`;

/** The WHERE of the roster: scope first (whose households), then every filter. */
function whereOf(filter: RosterQuery, scope: HouseholdScope, now: Date, lines: Lines): Prisma.Sql {
  const clauses: Prisma.Sql[] = [];
  if (!scope.all) {
    // The same households `readableHouseholds` gives (domain/access.ts): open assignments, open
    // tasks and, for a county approver, those in the closing procedure.
    const cadre = scope.cadreId ?? '';
    clauses.push(Prisma.sql`h.id IN (
      SELECT a."householdId" FROM "Assignment" a WHERE a."cadreId" = ${cadre} AND a."to" IS NULL
      UNION SELECT t."householdId" FROM "Task" t WHERE t."assigneeId" = ${cadre} AND t.status = 'OPEN'
      UNION SELECT c.id FROM "Household" c WHERE ${scope.closing} AND c.status = 'CLOSING')`);
  }
  if (filter.q) {
    // Prefix matches (`^@`), each served by its SP-GiST index whatever the database's collation.
    clauses.push(Prisma.sql`h.id IN (
      SELECT x.id FROM "Household" x WHERE x.number ^@ ${filter.q}
      UNION SELECT x.id FROM "Household" x WHERE x."headName" ^@ ${filter.q}
      UNION SELECT m."householdId" FROM "HouseholdMember" m WHERE m.name ^@ ${filter.q})`);
  }
  if (filter.villageId) clauses.push(Prisma.sql`h."villageId" = ${filter.villageId}`);
  if (filter.category) clauses.push(Prisma.sql`h.category = ${filter.category}`);
  if (filter.status) clauses.push(Prisma.sql`h.status = ${filter.status}`);
  if (filter.labourClass) clauses.push(Prisma.sql`h."labourClass" = ${filter.labourClass}`);
  if (filter.cadreId)
    clauses.push(Prisma.sql`h.id IN (SELECT a."householdId" FROM "Assignment" a
      WHERE a."cadreId" = ${filter.cadreId} AND a."to" IS NULL)`);
  if (filter.overdue)
    clauses.push(Prisma.sql`EXISTS (SELECT 1 FROM "Task" t WHERE ${openTask} AND t."dueAt" < ${now})`);
  if (filter.minRung)
    clauses.push(
      Prisma.sql`EXISTS (SELECT 1 FROM "Task" t WHERE ${openTask} AND t.rung >= ${filter.minRung})`,
    );
  if (filter.risk) {
    // The latest visit's income and the open follow-ups as the triggers keep them (HouseholdStanding,
    // one row per household), not recomputed per household. A household on a version not stored is
    // judged against the current line, as policyLookup does.
    const income = Prisma.sql`s."lastIncomeYuan" < COALESCE(l.yuan, ${lines.current})`;
    const followUp = Prisma.sql`s."openFollowUps" > 0`;
    const risk =
      filter.risk === 'income'
        ? income
        : filter.risk === 'followUp'
          ? followUp
          : Prisma.sql`(${income} OR ${followUp})`;
    clauses.push(Prisma.sql`h.status IN (${Prisma.join([...ACTIVE_STATUSES])}) AND ${risk}`);
  }
  return clauses.length ? Prisma.sql`WHERE ${Prisma.join(clauses, ' AND ')}` : Prisma.empty;
}

/** Whether the latest visit must be joined before the page is cut (a filter or the sort needs it). */
const needsLatestVisit = (filter: RosterQuery) => filter.risk !== undefined || filter.sort === 'lastVisit';

function orderOf(filter: RosterQuery): Prisma.Sql {
  const dir = filter.dir === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const by = {
    number: Prisma.sql`h.number ${dir}`,
    headName: Prisma.sql`h."headName" ${dir}, h.number ASC`,
    village: Prisma.sql`v.name ${dir}, h.number ASC`,
    // Never visited counts as the longest ago.
    lastVisit: Prisma.sql`s."lastVisitAt" ${dir} NULLS FIRST, h.number ASC`,
  }[filter.sort];
  return Prisma.sql`ORDER BY ${by}, h.id ASC`;
}

/** FROM … WHERE of the roster, with the latest visit and the household's income line joined when needed. */
function fromOf(filter: RosterQuery, scope: HouseholdScope, now: Date, lines: Lines): Prisma.Sql {
  const latest = needsLatestVisit(filter)
    ? Prisma.sql`JOIN "HouseholdStanding" s ON s."householdId" = h.id
      LEFT JOIN lines l ON l.version = COALESCE(h."policyVersion", '')`
    : Prisma.empty;
  return Prisma.sql`FROM "Household" h JOIN "Village" v ON v.id = h."villageId" ${latest} ${whereOf(filter, scope, now, lines)}`;
}

interface PageRowSql {
  id: string;
  number: string;
  headName: string;
  villageId: string;
  villageName: string;
  category: string;
  labourClass: string;
  status: string;
  policyVersion: string | null;
  memberCount: number;
  assistanceId: string | null;
  assistanceName: string | null;
  leaderId: string | null;
  leaderName: string | null;
  lastVisitAt: Date | null;
  income: Prisma.Decimal | null;
  openTasks: number;
  overdueTasks: number;
  openFollowUps: number;
  highestRung: number;
}

/** The rows of the given households, in the given order, with what the list shows of each. */
async function rowsOf(prisma: PrismaClient, ids: readonly string[], now: Date, lines: Lines) {
  if (ids.length === 0) return [];
  const found = await prisma.$queryRaw<PageRowSql[]>`
    SELECT h.id, h.number, h."headName", h."villageId", v.name AS "villageName", h.category,
      h."labourClass", h.status, h."policyVersion",
      (SELECT count(*)::int FROM "HouseholdMember" m WHERE m."householdId" = h.id) AS "memberCount",
      asg.id AS "assistanceId", asg.name AS "assistanceName", ldr.id AS "leaderId", ldr.name AS "leaderName",
      lv."visitedAt" AS "lastVisitAt", lv.income,
      COALESCE(ts.open, 0) AS "openTasks", COALESCE(ts.overdue, 0) AS "overdueTasks",
      COALESCE(ts."followUps", 0) AS "openFollowUps", COALESCE(ts.rung, 0) AS "highestRung"
    FROM "Household" h JOIN "Village" v ON v.id = h."villageId"
    LEFT JOIN LATERAL (SELECT c.id, c.name FROM "Assignment" a JOIN "Cadre" c ON c.id = a."cadreId"
      WHERE a."householdId" = h.id AND a.role = 'ASSISTANCE' AND a."to" IS NULL ORDER BY a."from" DESC LIMIT 1) asg ON true
    LEFT JOIN LATERAL (SELECT c.id, c.name FROM "Assignment" a JOIN "Cadre" c ON c.id = a."cadreId"
      WHERE a."householdId" = h.id AND a.role = 'LEADER' AND a."to" IS NULL ORDER BY a."from" DESC LIMIT 1) ldr ON true
    LEFT JOIN LATERAL (SELECT r."perCapitaIncomeYuan" AS income, r."visitedAt" FROM "VisitRecord" r
      WHERE r."householdId" = h.id ORDER BY r."visitedAt" DESC, r.id DESC LIMIT 1) lv ON true
    LEFT JOIN LATERAL (SELECT count(*)::int AS open,
        (count(*) FILTER (WHERE t."dueAt" < ${now}))::int AS overdue,
        (count(*) FILTER (WHERE t.kind = 'FOLLOW_UP'))::int AS "followUps",
        max(t.rung)::int AS rung
      FROM "Task" t WHERE ${openTask}) ts ON true
    WHERE h.id IN (${Prisma.join([...ids])})`;
  const byId = new Map(found.map((r) => [r.id, r]));
  const lineOf = new Map(lines.byVersion);
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const line = (r.policyVersion && lineOf.get(r.policyVersion)) || lines.current;
    const income = r.income == null ? null : Number(r.income);
    const row: RosterRow = {
      id: r.id,
      number: r.number,
      headName: r.headName,
      village: { id: r.villageId, name: r.villageName },
      category: r.category,
      categoryLabel: categoryLabel(r.category),
      labourClass: r.labourClass,
      labourClassLabel: labourClassLabel(r.labourClass),
      status: r.status,
      statusLabel: statusLabel(r.status),
      memberCount: r.memberCount,
      assistanceCadre: r.assistanceId ? { id: r.assistanceId, name: r.assistanceName ?? '' } : null,
      leaderCadre: r.leaderId ? { id: r.leaderId, name: r.leaderName ?? '' } : null,
      lastVisitAt: r.lastVisitAt ? r.lastVisitAt.toISOString() : null,
      latestIncomeYuan: income,
      incomeLineYuan: line,
      incomeBelowLine: income !== null && income < line,
      openTasks: r.openTasks,
      overdueTasks: r.overdueTasks,
      openFollowUps: r.openFollowUps,
      highestRung: r.highestRung,
    };
    return [row];
  });
}

/**
 * How many households of the township are at risk (the roster's `risk` filter alone), from ranges of
 * HouseholdStanding's indexes: below the line, one range per stored policy version (its own line),
 * one for no version and one per gap between stored versions (a version not stored: the current
 * line), then those with open follow-ups not already counted — the two sets a few per cent of the
 * households, never every household.
 */
async function riskTotal(prisma: PrismaClient, risk: NonNullable<RosterQuery['risk']>, lines: Lines) {
  const below = (version: Prisma.Sql, yuan: number) =>
    Prisma.sql`(SELECT count(*) FROM "HouseholdStanding" s
      WHERE s."underSupervision" AND ${version} AND s."lastIncomeYuan" < ${yuan})`;
  const parts: Prisma.Sql[] = [];
  if (risk !== 'followUp') {
    const stored = lines.byVersion.map(([version]) => version);
    for (const [version, yuan] of lines.byVersion)
      parts.push(below(Prisma.sql`s."policyVersion" = ${version}`, yuan));
    parts.push(below(Prisma.sql`s."policyVersion" IS NULL`, lines.current));
    for (let i = 0; i <= stored.length; i += 1) {
      const after = stored[i - 1];
      const before = stored[i];
      const gap = [Prisma.sql`s."policyVersion" IS NOT NULL`];
      if (after !== undefined) gap.push(Prisma.sql`s."policyVersion" > ${after}`);
      if (before !== undefined) gap.push(Prisma.sql`s."policyVersion" < ${before}`);
      parts.push(below(Prisma.join(gap, ' AND '), lines.current));
    }
  }
  if (risk !== 'income') {
    const notBelow =
      risk === 'any'
        ? Prisma.sql`AND NOT coalesce(s."lastIncomeYuan" < COALESCE(l.yuan, ${lines.current}), false)`
        : Prisma.empty;
    parts.push(Prisma.sql`(SELECT count(*) FROM "HouseholdStanding" s
      LEFT JOIN lines l ON l.version = COALESCE(s."policyVersion", '')
      WHERE s."underSupervision" AND s."openFollowUps" > 0 ${notBelow})`);
  }
  const [row] = await prisma.$queryRaw<Array<{ total: number }>>`WITH ${linesCte(lines)}
    SELECT (${Prisma.join(parts, ' + ')})::int AS total`;
  return row?.total ?? 0;
}

/** How many households the roster's filters give. */
async function rosterTotal(
  prisma: PrismaClient,
  filter: RosterQuery,
  scope: HouseholdScope,
  from: Prisma.Sql,
  lines: Lines,
): Promise<number> {
  const { villageId, category, status } = filter;
  const onlyKept =
    scope.all &&
    !filter.q &&
    !filter.labourClass &&
    !filter.cadreId &&
    !filter.overdue &&
    !filter.minRung &&
    (!filter.risk || (!villageId && !category && !status));
  if (onlyKept && filter.risk) return riskTotal(prisma, filter.risk, lines);
  if (onlyKept)
    return (await householdCounts(prisma, villageId))
      .filter((r) => (!category || r.category === category) && (!status || r.status === status))
      .reduce((n, r) => n + r.n, 0);
  const [row] = await prisma.$queryRaw<Array<{ total: number }>>`WITH ${linesCte(lines)}
    SELECT count(*)::int AS total ${from}`;
  return row?.total ?? 0;
}

/** One page of the roster for an actor's scope (domain/access.ts `householdScope`). */
export async function householdRoster(
  prisma: PrismaClient,
  args: { filter: RosterQuery; scope: HouseholdScope; now: Date },
): Promise<RosterPage> {
  const { filter, scope, now } = args;
  const lines = await incomeLines(prisma);
  const from = fromOf(filter, scope, now, lines);
  const offset = (filter.page - 1) * filter.pageSize;
  // The page alone is an index range (LIMIT after the ORDER BY, nothing counted); the total is
  // counted on its own — from the kept per-village counts when only village, category and status
  // filter the whole township.
  const [ids, total] = await Promise.all([
    prisma.$queryRaw<Array<{ id: string }>>`WITH ${linesCte(lines)}
      SELECT h.id ${from} ${orderOf(filter)}
      LIMIT ${filter.pageSize} OFFSET ${offset}`,
    rosterTotal(prisma, filter, scope, from, lines),
  ]);
  return {
    rows: await rowsOf(
      prisma,
      ids.map((r) => r.id),
      now,
      lines,
    ),
    total,
    page: filter.page,
    pageSize: filter.pageSize,
    pages: Math.max(1, Math.ceil(total / filter.pageSize)),
  };
}

const EXPORT_CHUNK = 1_000;

/** Every row of the filtered roster (no page), in its order, read a thousand at a time. */
export async function* householdRosterAll(
  prisma: PrismaClient,
  args: { filter: RosterQuery; scope: HouseholdScope; now: Date },
): AsyncGenerator<RosterRow[]> {
  const { filter, scope, now } = args;
  const lines = await incomeLines(prisma);
  const ids = await prisma.$queryRaw<Array<{ id: string }>>`WITH ${linesCte(lines)}
    SELECT h.id ${fromOf(filter, scope, now, lines)} ${orderOf(filter)}`;
  for (let i = 0; i < ids.length; i += EXPORT_CHUNK) {
    yield await rowsOf(
      prisma,
      ids.slice(i, i + EXPORT_CHUNK).map((r) => r.id),
      now,
      lines,
    );
  }
}
