// The cadres (帮扶责任人 and the township leadership) with their villages and current load.
import type { PrismaClient } from '../../db/client.js';
import { CADRE_RANKS } from '../../policy/index.js';
import { rankLabel } from '../../policy/vocabulary.js';

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

/** Every cadre, most senior rank first, then by name; `now` decides what is overdue. */
export async function cadreList(prisma: PrismaClient, args: { now?: Date } = {}): Promise<CadreListRow[]> {
  const now = args.now ?? new Date();
  const [cadres, assignments, openTasks, overdue, escalations] = await Promise.all([
    prisma.cadre.findMany({
      include: { villages: { select: { id: true, name: true }, orderBy: { name: 'asc' } } },
    }),
    // Counted by PostgreSQL: a cadre's open assignments are never loaded row by row.
    prisma.$queryRaw<Array<{ cadreId: string; assistance: number; leader: number; households: number }>>`
      SELECT "cadreId", count(*) FILTER (WHERE role = 'ASSISTANCE')::int AS assistance,
        count(*) FILTER (WHERE role = 'LEADER')::int AS leader, count(DISTINCT "householdId")::int AS households
      FROM "Assignment" WHERE "to" IS NULL GROUP BY 1`,
    prisma.task.groupBy({ by: ['assigneeId'], where: { status: 'OPEN' }, _count: { _all: true } }),
    prisma.task.groupBy({
      by: ['assigneeId'],
      where: { status: 'OPEN', dueAt: { lt: now } },
      _count: { _all: true },
    }),
    prisma.escalation.groupBy({
      by: ['leaderId'],
      where: { closedAt: null, task: { status: 'OPEN' } },
      _count: { _all: true },
    }),
  ]);
  const countOf = <K extends string>(rows: Array<Record<K, string> & { _count: { _all: number } }>, key: K) =>
    new Map(rows.map((r) => [r[key], r._count._all]));
  const open = countOf(openTasks, 'assigneeId');
  const late = countOf(overdue, 'assigneeId');
  const escalated = countOf(escalations, 'leaderId');
  const assigned = new Map(assignments.map((a) => [a.cadreId, a]));
  const seniority = (rank: string) => -CADRE_RANKS.indexOf(rank as (typeof CADRE_RANKS)[number]);
  return cadres
    .map((c) => ({
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
    }))
    .sort(
      (a, b) =>
        seniority(a.rank) - seniority(b.rank) ||
        a.name.localeCompare(b.name, 'zh') ||
        a.id.localeCompare(b.id),
    );
}
