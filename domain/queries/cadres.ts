// The cadres (帮扶责任人 and the township leadership) with their villages and current load.
import type { PrismaClient } from '../../db/client.js';
import { CADRE_RANKS } from '../../policy/index.js';
import { rankLabel } from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';
import {
  BAD_CURSOR_MESSAGE,
  decodeCursor,
  type Page,
  type PageRequest,
  pageOf,
  pageSize,
} from './pagination.js';
import { byChineseLabel } from './shared.js';

export interface CadreListRow {
  id: string;
  name: string;
  email: string;
  phone: string;
  rank: string;
  rankLabel: string;
  active: boolean;
  villages: Array<{ id: string; name: string }>;
  load: {
    /** Households where the cadre is the 帮扶责任人 (open assignments). */
    assistance: number;
    /** Households the cadre is paired with as a leader (open assignments). */
    leader: number;
    households: number;
    openTasks: number;
    overdueTasks: number;
    /** Open escalations addressed to the cadre. */
    openEscalations: number;
  };
}

type CadreWithVillages = Prisma.CadreGetPayload<{
  include: { villages: { select: { id: true; name: true } } };
}>;

const villagesInclude = {
  villages: { select: { id: true, name: true }, orderBy: { name: 'asc' } },
} satisfies Prisma.CadreInclude;

/** The load of the given cadres (every cadre when `ids` is undefined), counted by PostgreSQL. */
async function cadreLoads(prisma: PrismaClient, now: Date, ids: string[] | undefined) {
  const only = ids ? Prisma.sql`AND "cadreId" = ANY(${ids})` : Prisma.empty;
  const [assignments, openTasks, overdue, escalations] = await Promise.all([
    // A cadre's open assignments are never loaded row by row.
    prisma.$queryRaw<Array<{ cadreId: string; assistance: number; leader: number; households: number }>>`
      SELECT "cadreId", count(*) FILTER (WHERE role = 'ASSISTANCE')::int AS assistance,
        count(*) FILTER (WHERE role = 'LEADER')::int AS leader, count(DISTINCT "householdId")::int AS households
      FROM "Assignment" WHERE "to" IS NULL ${only} GROUP BY 1`,
    prisma.task.groupBy({
      by: ['assigneeId'],
      where: { status: 'OPEN', ...(ids ? { assigneeId: { in: ids } } : {}) },
      _count: { _all: true },
    }),
    prisma.task.groupBy({
      by: ['assigneeId'],
      where: { status: 'OPEN', dueAt: { lt: now }, ...(ids ? { assigneeId: { in: ids } } : {}) },
      _count: { _all: true },
    }),
    prisma.escalation.groupBy({
      by: ['leaderId'],
      where: { closedAt: null, task: { status: 'OPEN' }, ...(ids ? { leaderId: { in: ids } } : {}) },
      _count: { _all: true },
    }),
  ]);
  const countOf = <K extends string>(rows: Array<Record<K, string> & { _count: { _all: number } }>, key: K) =>
    new Map(rows.map((r) => [r[key], r._count._all]));
  const open = countOf(openTasks, 'assigneeId');
  const late = countOf(overdue, 'assigneeId');
  const escalated = countOf(escalations, 'leaderId');
  const assigned = new Map(assignments.map((a) => [a.cadreId, a]));
  return (c: CadreWithVillages): CadreListRow => ({
    id: c.id,
    name: c.name,
    email: c.email,
    phone: c.phone,
    rank: c.rank,
    rankLabel: rankLabel(c.rank),
    active: c.active,
    villages: c.villages,
    load: {
      assistance: assigned.get(c.id)?.assistance ?? 0,
      leader: assigned.get(c.id)?.leader ?? 0,
      households: assigned.get(c.id)?.households ?? 0,
      openTasks: open.get(c.id) ?? 0,
      overdueTasks: late.get(c.id) ?? 0,
      openEscalations: escalated.get(c.id) ?? 0,
    },
  });
}

/** Every cadre, most senior rank first, then by name; `now` decides what is overdue. */
export async function cadreList(prisma: PrismaClient, args: { now?: Date } = {}): Promise<CadreListRow[]> {
  const now = args.now ?? new Date();
  const [cadres, rowOf] = await Promise.all([
    prisma.cadre.findMany({ include: villagesInclude }),
    cadreLoads(prisma, now, undefined),
  ]);
  const seniority = (rank: string) => -CADRE_RANKS.indexOf(rank as (typeof CADRE_RANKS)[number]);
  return cadres
    .map(rowOf)
    .sort(
      (a, b) =>
        seniority(a.rank) - seniority(b.rank) || byChineseLabel(a.name, b.name) || a.id.localeCompare(b.id),
    );
}

export const CADRE_KEY_ARITY = 3;

/** A rank's place, most senior first (1 = the highest rank; unknown ranks last). */
const seniorityOrder = Prisma.sql`coalesce(array_position(${[...CADRE_RANKS].reverse()}::text[], rank), ${CADRE_RANKS.length + 1})`;

export interface CadrePage extends Page<CadreListRow> {
  /** Every cadre, not the page's. */
  total: number;
}

/**
 * A page of the cadres, most senior rank first, then by name (PostgreSQL's collation) and id; the
 * load is counted for the page's cadres only.
 */
export async function cadrePage(
  prisma: PrismaClient,
  args: { now?: Date } & PageRequest = {},
): Promise<CadrePage> {
  const now = args.now ?? new Date();
  const limit = pageSize(args.limit);
  const cursor = args.cursor === undefined ? undefined : decodeCursor(args.cursor, CADRE_KEY_ARITY);
  const backwards = cursor?.direction === 'prev';
  let after = Prisma.empty;
  if (cursor) {
    const [order, name, id] = cursor.key;
    if (typeof order !== 'number' || typeof name !== 'string' || typeof id !== 'string')
      throw new DomainError('INVALID', BAD_CURSOR_MESSAGE);
    after = Prisma.sql`WHERE (${seniorityOrder}, name, id) ${Prisma.raw(backwards ? '<' : '>')} (${order}::int, ${name}::text, ${id}::text)`;
  }
  const dir = Prisma.raw(backwards ? 'DESC' : 'ASC');
  const [keys, total] = await Promise.all([
    prisma.$queryRaw<Array<{ id: string; order: number; name: string }>>`
      SELECT id, ${seniorityOrder}::int AS "order", name FROM "Cadre" ${after}
      ORDER BY 2 ${dir}, name ${dir}, id ${dir} LIMIT ${limit + 1}`,
    prisma.cadre.count(),
  ]);
  const page = pageOf(keys, { limit, cursor, keyOf: (k) => [k.order, k.name, k.id] });
  const ids = page.items.map((k) => k.id);
  const [cadres, rowOf] = await Promise.all([
    prisma.cadre.findMany({ where: { id: { in: ids } }, include: villagesInclude }),
    cadreLoads(prisma, now, ids),
  ]);
  const byId = new Map(cadres.map((c) => [c.id, c]));
  return {
    items: ids.flatMap((id) => {
      const c = byId.get(id);
      return c ? [rowOf(c)] : [];
    }),
    page: page.page,
    total,
  };
}
