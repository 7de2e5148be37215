import type { PrismaClient } from '../db/client.js';
import { latestPolicy, type Policy, policyByVersion } from '../policy/index.js';
import { DomainError } from './errors.js';
import { type TaskRow, taskInclude, toTaskRow } from './queries/shared.js';

export interface TaskForForm {
  task: TaskRow;
  /** What the visit form checks caps against, as the workflow will. */
  household: { category: string; memberCount: number };
  policy: Pick<Policy, 'version' | 'measureCaps' | 'incomeLineYuanPerPersonYear' | 'largeCostThresholdYuan'>;
  /** Cadres who may complete it: the assignee and the household's current cadres. */
  cadreIds: string[];
}

/** One task with what its form needs; NOT_FOUND for an unknown id. */
export async function taskForForm(prisma: PrismaClient, taskId: string, now: Date): Promise<TaskForForm> {
  const task = await prisma.task.findUnique({ where: { id: taskId }, include: taskInclude });
  if (!task) throw new DomainError('NOT_FOUND', '没有这个任务');
  const household = await prisma.household.findUniqueOrThrow({
    where: { id: task.householdId },
    include: {
      _count: { select: { members: true } },
      assignments: { where: { to: null }, select: { cadreId: true } },
    },
  });
  const policy = household.policyVersion ? safePolicy(household.policyVersion) : latestPolicy();
  return {
    task: toTaskRow(task, now),
    household: { category: household.category, memberCount: Math.max(1, household._count.members) },
    policy: {
      version: policy.version,
      measureCaps: policy.measureCaps,
      incomeLineYuanPerPersonYear: policy.incomeLineYuanPerPersonYear,
      largeCostThresholdYuan: policy.largeCostThresholdYuan,
    },
    cadreIds: [...new Set([task.assigneeId, ...household.assignments.map((a) => a.cadreId)])],
  };
}

/** A policy the workflow received as a whole value may not be built in; the form then uses the latest. */
function safePolicy(version: string): Policy {
  try {
    return policyByVersion(version);
  } catch {
    return latestPolicy();
  }
}
