// What HouseholdStanding and the charts' household counts must equal, recomputed from scratch by
// queries written independently of the triggers (correlated subqueries; the charts' former
// interval query), so a test can hold the kept rows against the truth after any mix of writes.
import { expect } from 'vitest';
import type { PrismaClient } from '../../db/client.js';
import { chartSeries } from '../../domain/queries/charts.js';
import { ACTIVE_STATUSES } from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';

export interface StandingFields {
  householdId: string;
  villageId: string;
  villageName: string;
  number: string;
  status: string;
  underSupervision: boolean;
  policyVersion: string | null;
  lastVisitAt: string | null;
  lastVisitCompliant: boolean | null;
  lastIncomeYuan: string | null;
  compliantStreak: number;
  openTasks: number;
  openFollowUps: number;
  earliestOpenDueAt: string | null;
  highestOpenRung: number;
  riskReasons: number;
  riskOrder: number;
}

interface Row {
  householdId: string;
  villageId: string;
  villageName: string;
  number: string;
  status: string;
  policyVersion: string | null;
  lastVisitAt: Date | null;
  lastVisitCompliant: boolean | null;
  lastIncomeYuan: Prisma.Decimal | null;
  compliantStreak: number;
  openTasks: number;
  openFollowUps: number;
  earliestOpenDueAt: Date | null;
  highestOpenRung: number;
}

const plain = (r: Row) => ({
  householdId: r.householdId,
  villageId: r.villageId,
  villageName: r.villageName,
  number: r.number,
  status: r.status,
  policyVersion: r.policyVersion,
  lastVisitAt: r.lastVisitAt?.toISOString() ?? null,
  lastVisitCompliant: r.lastVisitCompliant,
  lastIncomeYuan: r.lastIncomeYuan === null ? null : new Prisma.Decimal(r.lastIncomeYuan).toFixed(2),
  compliantStreak: r.compliantStreak,
  openTasks: r.openTasks,
  openFollowUps: r.openFollowUps,
  earliestOpenDueAt: r.earliestOpenDueAt?.toISOString() ?? null,
  highestOpenRung: r.highestOpenRung,
});

/** The standing of the households, from their visits, tasks and escalations, as the board defines it. */
export async function standingTruth(prisma: PrismaClient, ids: string[]): Promise<StandingFields[]> {
  const rows = await prisma.$queryRaw<Row[]>`
    SELECT h.id AS "householdId", h."villageId", v.name AS "villageName", h.number, h.status, h."policyVersion",
      (SELECT r."visitedAt" FROM "VisitRecord" r WHERE r."householdId" = h.id
        ORDER BY r."visitedAt" DESC, r.id DESC LIMIT 1) AS "lastVisitAt",
      (SELECT r.compliant FROM "VisitRecord" r WHERE r."householdId" = h.id
        ORDER BY r."visitedAt" DESC, r.id DESC LIMIT 1) AS "lastVisitCompliant",
      (SELECT r."perCapitaIncomeYuan" FROM "VisitRecord" r WHERE r."householdId" = h.id
        ORDER BY r."visitedAt" DESC, r.id DESC LIMIT 1) AS "lastIncomeYuan",
      (SELECT count(*)::int FROM "VisitRecord" r WHERE r."householdId" = h.id AND r.compliant
        AND r."visitedAt" > coalesce((SELECT max(m."visitedAt") FROM "VisitRecord" m
          WHERE m."householdId" = h.id AND NOT m.compliant), '-infinity')) AS "compliantStreak",
      (SELECT count(*)::int FROM "Task" t WHERE t."householdId" = h.id AND t.status = 'OPEN') AS "openTasks",
      (SELECT count(*)::int FROM "Task" t WHERE t."householdId" = h.id AND t.status = 'OPEN'
        AND t.kind = 'FOLLOW_UP') AS "openFollowUps",
      (SELECT min(t."dueAt") FROM "Task" t WHERE t."householdId" = h.id AND t.status = 'OPEN') AS "earliestOpenDueAt",
      (SELECT coalesce(max(e.rung), 0)::int FROM "Escalation" e JOIN "Task" t ON t.id = e."taskId"
        WHERE t."householdId" = h.id AND t.status = 'OPEN' AND e."closedAt" IS NULL) AS "highestOpenRung"
    FROM "Household" h JOIN "Village" v ON v.id = h."villageId"
    WHERE h.id = ANY(${ids}) ORDER BY h.id`;
  return rows.map((r) => {
    const underSupervision = (ACTIVE_STATUSES as readonly string[]).includes(r.status);
    const riskReasons = underSupervision
      ? Number(r.openFollowUps > 0) + Number(r.lastVisitCompliant === false) + Number(r.highestOpenRung >= 2)
      : 0;
    return {
      ...plain(r),
      underSupervision,
      riskReasons,
      riskOrder: 0 - (riskReasons * 1000 + r.highestOpenRung),
    };
  });
}

/** The rows the triggers keep, in the same shape. */
export async function standingKept(prisma: PrismaClient, ids: string[]): Promise<StandingFields[]> {
  const rows = await prisma.householdStanding.findMany({
    where: { householdId: { in: ids } },
    orderBy: { householdId: 'asc' },
  });
  return rows.map((r) => ({
    ...plain(r),
    underSupervision: r.underSupervision,
    riskReasons: r.riskReasons,
    riskOrder: r.riskOrder,
  }));
}

const STATUS_OF_ACTION_SQL = Prisma.raw(`CASE a.action WHEN 'SUPERVISION_STARTED' THEN 'SUPERVISED'
  WHEN 'PAUSED' THEN 'PAUSED' WHEN 'RESUMED' THEN 'SUPERVISED' WHEN 'CLOSING_STARTED' THEN 'CLOSING'
  WHEN 'CLOSING_ABORTED' THEN 'SUPERVISED' WHEN 'STABLY_OUT' THEN 'STABLY_OUT'
  WHEN 'SUPERVISION_CANCELLED' THEN 'CANCELLED' END`);

/**
 * Households of a village per status, and under supervision per category, at each instant: the
 * charts' query before the per-day deltas (status and category as intervals between audit rows).
 */
export async function householdCountsTruth(prisma: PrismaClient, villageId: string, at: Date[]) {
  const rows = await prisma.$queryRaw<
    Array<{ i: number; dim: 'status' | 'category'; key: string; n: number }>
  >`
    WITH ends AS (
      SELECT i::int, t FROM unnest(${at}::timestamptz[]) WITH ORDINALITY AS x(t, i)
    ), hh AS (
      SELECT id, status, category, "createdAt" FROM "Household" WHERE "villageId" = ${villageId}
    ), sev AS (
      SELECT a."householdId" AS hid, a.at, a.id, ${STATUS_OF_ACTION_SQL} AS s
      FROM "AuditLog" a JOIN hh ON hh.id = a."householdId"
      WHERE a.action IN ('SUPERVISION_STARTED', 'PAUSED', 'RESUMED', 'CLOSING_STARTED', 'CLOSING_ABORTED',
        'STABLY_OUT', 'SUPERVISION_CANCELLED')
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
    WHERE ws.s IN (${Prisma.join([...ACTIVE_STATUSES])}) GROUP BY ws.i, civ.c`;
  return at.map((_, i) => {
    const of = (dim: 'status' | 'category') =>
      Object.fromEntries(
        rows.filter((r) => r.i === i + 1 && r.dim === dim && r.n > 0).map((r) => [r.key, r.n]),
      );
    return { statuses: of('status'), categories: of('category') };
  });
}

/** The charts' household counts (one week ending at each instant) equal the truth at every instant. */
export async function expectChartCountsTrue(prisma: PrismaClient, villageId: string, instants: Date[]) {
  const truth = await householdCountsTruth(prisma, villageId, instants);
  const nonzero = (lines: Array<{ key: string; values: number[] }>) =>
    Object.fromEntries(lines.filter((l) => l.values[0] !== 0).map((l) => [l.key, l.values[0]]));
  for (const [i, now] of instants.entries()) {
    const series = await chartSeries(prisma, { now, weeks: 1, villageId });
    expect(
      { statuses: nonzero(series.statuses), categories: nonzero(series.categories) },
      now.toISOString(),
    ).toEqual(truth[i]);
  }
}

export interface KeptCountRow {
  householdId: string;
  kind: string;
  dim: string;
  key: string;
  bucket: string;
  n: number;
}

/** The shard of a household's rows every household writes to (a rung, the township): eight, by a hash of its id. */
const SHARD = Prisma.raw(`(abs(hashtext("householdId")) % 8)::text`);
const SHARD_OF_C = Prisma.raw(`(abs(hashtext(c."householdId")) % 8)::text`);

/**
 * Each household's share of KeptCount as the board, the report and the charts define it, recomputed
 * from the tasks, escalations, visits, stable exits and household rows by plain GROUP BYs (the at-risk households
 * from HouseholdStanding, which standingTruth checks).
 */
export async function keptCountsTruth(prisma: PrismaClient, ids: string[]): Promise<KeptCountRow[]> {
  const rows = await prisma.$queryRaw<Array<Omit<KeptCountRow, 'bucket'> & { bucket: Date }>>`
    WITH t AS (
      SELECT t.*, h."villageId" FROM "Task" t JOIN "Household" h ON h.id = t."householdId" WHERE h.id = ANY(${ids})
    ), e AS (
      SELECT e.*, t."householdId", t."villageId", t.status AS "taskStatus" FROM "Escalation" e JOIN t ON t.id = e."taskId"
    ), r AS (
      SELECT r.*, h."villageId" FROM "VisitRecord" r JOIN "Household" h ON h.id = r."householdId" WHERE h.id = ANY(${ids})
    ), x AS (
      SELECT x.*, h."villageId" FROM "ExitAssessment" x JOIN "Household" h ON h.id = x."householdId"
      WHERE h.id = ANY(${ids}) AND x.decision = 'STABLY_OUT'
    ), counted AS (
      SELECT "householdId", 'open-task' AS kind, 'rung' AS dim, rung || '/' || ${SHARD} AS key,
        date_trunc('day', "dueAt") AS bucket FROM t WHERE status = 'OPEN'
      UNION ALL SELECT "householdId", 'open-task', 'village', "villageId", date_trunc('day', "dueAt") FROM t WHERE status = 'OPEN'
      UNION ALL SELECT "householdId", 'open-task', 'cadre', "assigneeId", date_trunc('day', "dueAt") FROM t WHERE status = 'OPEN'
      UNION ALL SELECT "householdId", 'open-task-hour', 'village', "villageId", date_trunc('hour', "dueAt") FROM t
        WHERE status = 'OPEN'
      UNION ALL SELECT "householdId", 'late-task', 'village', "villageId", date_trunc('hour', "dueAt") FROM t
        WHERE status <> 'CANCELLED' AND NOT ("completedAt" IS NOT NULL AND "completedAt" <= "dueAt")
      UNION ALL SELECT "householdId", 'open-escalation', 'rung', rung || '/' || ${SHARD}, TIMESTAMP '1970-01-01' FROM e
        WHERE "closedAt" IS NULL AND "taskStatus" = 'OPEN'
      UNION ALL SELECT "householdId", 'open-escalation', 'village', "villageId", TIMESTAMP '1970-01-01' FROM e
        WHERE "closedAt" IS NULL AND "taskStatus" = 'OPEN'
      UNION ALL SELECT "householdId", 'open-escalation', 'cadre', "leaderId", TIMESTAMP '1970-01-01' FROM e
        WHERE "closedAt" IS NULL AND "taskStatus" = 'OPEN'
      UNION ALL SELECT "householdId", 'escalation-opened', 'village', "villageId", date_trunc('hour', "openedAt") FROM e
      UNION ALL SELECT "householdId", 'visit', 'village', "villageId", date_trunc('day', "visitedAt") FROM r
      UNION ALL SELECT "householdId", 'compliant-visit', 'village', "villageId", date_trunc('day', "visitedAt") FROM r
        WHERE compliant
      UNION ALL SELECT "householdId", 'exit', 'village', "villageId", date_trunc('day', "decidedAt") FROM x
      UNION ALL SELECT id, 'household', 'village', "villageId" || '/' || category || '/' || status, TIMESTAMP '1970-01-01'
        FROM "Household" WHERE id = ANY(${ids})
      UNION ALL SELECT "householdId", 'at-risk', 'village', "villageId", TIMESTAMP '1970-01-01' FROM "HouseholdStanding"
        WHERE "householdId" = ANY(${ids}) AND "riskReasons" > 0
    )
    SELECT "householdId", kind, dim, key, bucket, count(*)::int AS n FROM counted
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`;
  return rows.map((r) => ({ ...r, bucket: r.bucket.toISOString() }));
}

/** The rows the triggers keep for these households, in the same shape. */
export async function keptCountsKept(prisma: PrismaClient, ids: string[]): Promise<KeptCountRow[]> {
  const rows = await prisma.householdKeptCount.findMany({
    where: { householdId: { in: ids } },
    orderBy: [{ householdId: 'asc' }, { kind: 'asc' }, { dim: 'asc' }, { key: 'asc' }, { bucket: 'asc' }],
  });
  return rows.map((r) => ({ ...r, bucket: r.bucket.toISOString() }));
}

/**
 * KeptCount equals the sum of every household's share (and the township's rows the sum of the
 * villages'), with no row at zero: read in one statement, so one snapshot, whatever else is writing.
 */
export async function expectKeptCountTotalsConsistent(prisma: PrismaClient) {
  const differences = await prisma.$queryRaw<
    Array<{ kind: string; dim: string; key: string; kept: number | null; sum: number | null }>
  >`
    WITH summed AS (
      SELECT c.kind, s.dim, c.bucket, s.key, sum(c.n)::int AS n FROM "HouseholdKeptCount" c
      CROSS JOIN LATERAL (SELECT c.dim, c.key UNION ALL SELECT 'township', ${SHARD_OF_C}
        WHERE c.kind IN ('late-task', 'escalation-opened')) s
      GROUP BY 1, 2, 3, 4
    )
    SELECT coalesce(k.kind, s.kind) AS kind, coalesce(k.dim, s.dim) AS dim, coalesce(k.key, s.key) AS key,
      k.n AS kept, s.n AS sum
    FROM "KeptCount" k FULL JOIN summed s
      ON (s.kind, s.dim, s.bucket, s.key) = (k.kind, k.dim, k.bucket, k.key)
    WHERE k.n IS DISTINCT FROM s.n OR k.n = 0`;
  expect(differences).toEqual([]);
}

/** The kept counts of these households equal the truth, and the totals their sums. */
export async function expectKeptCountsTrue(prisma: PrismaClient, ids: string[]) {
  expect(await keptCountsKept(prisma, ids)).toEqual(await keptCountsTruth(prisma, ids));
  await expectKeptCountTotalsConsistent(prisma);
}
