// A cadre completes a visit, follow-up or handover task: checked here against PostgreSQL (does the
// task exist, may this cadre do it), then done by the workflow's completeTask update, whose
// validator checks the visit record (caps, shape) and refuses it with a Chinese message.
import type { VisitRecordInput } from '../../policy/index.js';
import { completeTaskUpdate } from '../../workflows/household/definitions.js';
import { ACCESS_MESSAGES, mayCompleteTask } from '../access.js';
import { DomainError } from '../errors.js';
import {
  type ActionDeps,
  callWorkflow,
  type HouseholdActionResult,
  toActionResult,
  workflowHandle,
} from './workflow-calls.js';

export interface CompleteTaskInput {
  taskId: string;
  /** The cadre doing it: the task's assignee or one of the household's current cadres. */
  cadreId: string;
  /** Required for VISIT and HANDOVER tasks; a FOLLOW_UP may carry one or only a note. */
  record?: VisitRecordInput;
  note?: string;
}

export interface CompleteTaskResult extends HouseholdActionResult {
  taskId: string;
  /** Follow-ups this visit's findings opened (problems found: a guarantee failed, low income…). */
  followUpsOpened: HouseholdActionResult['openTasks'];
}

export async function completeTask(deps: ActionDeps, input: CompleteTaskInput): Promise<CompleteTaskResult> {
  const task = await deps.prisma.task.findUnique({
    where: { id: input.taskId },
    select: {
      id: true,
      status: true,
      assigneeId: true,
      workflowId: true,
      household: {
        select: {
          assignments: { where: { to: null }, select: { cadreId: true } },
          tasks: { where: { status: 'OPEN' }, select: { id: true } },
        },
      },
    },
  });
  if (!task) throw new DomainError('NOT_FOUND', '该任务不存在');
  const householdCadreIds = task.household.assignments.map((a) => a.cadreId);
  if (!mayCompleteTask(input.cadreId, { assigneeId: task.assigneeId, householdCadreIds }))
    throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.notYourTask);
  if (task.status !== 'OPEN') throw new DomainError('CONFLICT', '该任务已经办结或已取消');

  const openBefore = new Set(task.household.tasks.map((t) => t.id));
  const view = await callWorkflow(() =>
    workflowHandle(deps, task.workflowId).executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          byCadreId: input.cadreId,
          ...(input.record ? { record: input.record } : {}),
          ...(input.note ? { note: input.note } : {}),
        },
      ],
    }),
  );
  const result = toActionResult(view);
  return {
    ...result,
    taskId: task.id,
    followUpsOpened: result.openTasks.filter((t) => t.kind === 'FOLLOW_UP' && !openBefore.has(t.id)),
  };
}
