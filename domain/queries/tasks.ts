// 我的任务 (a cadre's open work) and every open task (for supervisors).
import type { PrismaClient } from '../../db/client.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { iso, shanghaiDay, type TaskRow, taskInclude, toTaskRow } from './shared.js';

export interface MyTasks {
  cadreId: string;
  generatedAt: string;
  /** Today's date in Asia/Shanghai (YYYY-MM-DD). */
  today: string;
  /** Due later today (Asia/Shanghai) and not yet past due; soonest first. */
  dueToday: TaskRow[];
  /** Past due (including earlier today); highest rung first, then the oldest due date. */
  overdue: TaskRow[];
  /** Due on a later day; soonest first. */
  upcoming: TaskRow[];
}

/**
 * The OPEN tasks assigned to a cadre, split at `now` and at the end of today in Asia/Shanghai.
 * Each overdue row carries its rung and its open escalations with the leaders they reached.
 */
export async function myTasks(prisma: PrismaClient, args: { cadreId: string; now: Date }): Promise<MyTasks> {
  const { cadreId, now } = args;
  const tasks = await prisma.task.findMany({
    where: { assigneeId: cadreId, status: 'OPEN' },
    include: taskInclude,
    orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
  });
  const day = shanghaiDay(now);
  const rows = tasks.map((t) => toTaskRow(t, now));
  const overdue = rows
    .filter((t) => t.overdue)
    .sort((a, b) => b.rung - a.rung || a.dueAt.localeCompare(b.dueAt));
  const dueToday = rows.filter((t) => !t.overdue && Date.parse(t.dueAt) < day.end.getTime());
  const upcoming = rows.filter((t) => Date.parse(t.dueAt) >= day.end.getTime());
  return { cadreId, generatedAt: iso(now), today: day.date, dueToday, overdue, upcoming };
}

export interface OpenTasks {
  generatedAt: string;
  total: number;
  overdueCount: number;
  /** Soonest due first (overdue ones come first by nature). */
  tasks: TaskRow[];
}

/** Every OPEN task of the township (optionally of one village or one assignee), for supervisors. */
export async function allOpenTasks(
  prisma: PrismaClient,
  args: { now: Date; villageId?: string; assigneeId?: string },
): Promise<OpenTasks> {
  const where: Prisma.TaskWhereInput = { status: 'OPEN' };
  if (args.villageId) where.household = { villageId: args.villageId };
  if (args.assigneeId) where.assigneeId = args.assigneeId;
  const tasks = await prisma.task.findMany({
    where,
    include: taskInclude,
    orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
  });
  const rows = tasks.map((t) => toTaskRow(t, args.now));
  return {
    generatedAt: iso(args.now),
    total: rows.length,
    overdueCount: rows.filter((t) => t.overdue).length,
    tasks: rows,
  };
}
