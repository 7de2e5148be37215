import type { PrismaClient } from '../db/client.js';
import { type Policy, type VisitEvidenceRules, visitEvidenceRules } from '../policy/index.js';
import { DomainError } from './errors.js';
import { policyLookup } from './policy-versions.js';
import { type TaskRow, taskInclude, toTaskRow } from './queries/shared.js';

export interface TaskForForm {
  task: TaskRow;
  /** What the visit form checks caps against, as the workflow will. */
  household: { category: string; memberCount: number };
  policy: Pick<
    Policy,
    'version' | 'measureCaps' | 'incomeLineYuanPerPersonYear' | 'largeCostThresholdYuan'
  > & {
    /** Photo count, size and edge, as the household's policy (and the upload) allow. */
    visitEvidence: VisitEvidenceRules;
  };
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
  // The household's own version, stored or built in (the workflow was handed it whole).
  const policy = (await policyLookup(prisma))(household.policyVersion);
  return {
    task: toTaskRow(task, now),
    household: { category: household.category, memberCount: Math.max(1, household._count.members) },
    policy: {
      version: policy.version,
      measureCaps: policy.measureCaps,
      incomeLineYuanPerPersonYear: policy.incomeLineYuanPerPersonYear,
      largeCostThresholdYuan: policy.largeCostThresholdYuan,
      visitEvidence: visitEvidenceRules(policy),
    },
    cadreIds: [...new Set([task.assigneeId, ...household.assignments.map((a) => a.cadreId)])],
  };
}
