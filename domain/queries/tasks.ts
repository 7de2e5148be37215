// 我的任务 (a cadre's open work) and every open task (for supervisors).

import { townshipToday } from '../../config/township-clock.js';
import type { PrismaClient } from '../../db/client.js';
import type { Prisma } from '../../prisma/generated/client.js';
import {
  decodeCursor,
  type KeyField,
  keyOfRow,
  keysetOrderBy,
  keysetWhere,
  type PageInfo,
  type PageRequest,
  pageOf,
  pageSize,
} from './pagination.js';
import { iso, type TaskRow, taskInclude, toTaskRow } from './shared.js';

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
  const day = townshipToday(now);
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
  /** Every matching open task (not only this page's). */
  total: number;
  overdueCount: number;
  /** This page: soonest due first (overdue ones come first by nature). */
  tasks: TaskRow[];
  page: PageInfo;
}

/** The open tasks' order: soonest due first, the id breaking ties. */
export const OPEN_TASK_KEY: KeyField[] = [
  { field: 'dueAt', order: 'asc', type: 'date' },
  { field: 'id', order: 'asc', type: 'string' },
];

/** The OPEN tasks of the township (optionally of one village or one assignee), a page at a time. */
export async function allOpenTasks(
  prisma: PrismaClient,
  args: { now: Date; villageId?: string; assigneeId?: string } & PageRequest,
): Promise<OpenTasks> {
  const where: Prisma.TaskWhereInput = { status: 'OPEN' };
  if (args.villageId) where.household = { villageId: args.villageId };
  if (args.assigneeId) where.assigneeId = args.assigneeId;
  const limit = pageSize(args.limit);
  const cursor = args.cursor === undefined ? undefined : decodeCursor(args.cursor, OPEN_TASK_KEY.length);
  const [tasks, total, overdueCount] = await Promise.all([
    prisma.task.findMany({
      where: { AND: [where, keysetWhere(OPEN_TASK_KEY, cursor)] },
      include: taskInclude,
      orderBy: keysetOrderBy(OPEN_TASK_KEY, cursor),
      take: limit + 1,
    }),
    prisma.task.count({ where }),
    prisma.task.count({ where: { ...where, dueAt: { lt: args.now } } }),
  ]);
  const page = pageOf(tasks, { limit, cursor, keyOf: (t) => keyOfRow(OPEN_TASK_KEY, t) });
  return {
    generatedAt: iso(args.now),
    total,
    overdueCount,
    tasks: page.items.map((t) => toTaskRow(t, args.now)),
    page: page.page,
  };
}
