// A cadre completes a visit, follow-up or handover task: checked here against PostgreSQL (does the
// task exist, may this cadre do it), then done by the workflow's completeTask update, whose
// validator checks the visit record (caps, shape) and refuses it with a Chinese message.
// The update's id is made from the completion's idempotency key, so a retried or doubled submission
// (the cadre pressed twice, the phone sent again after a 503) gets the first answer, never a second visit.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { VisitRecordInput } from '../../policy/index.js';
import { completeTaskUpdate } from '../../workflows/household/definitions.js';
import { ACCESS_MESSAGES, mayCompleteTask } from '../access.js';
import { DomainError } from '../errors.js';
import { assertPhotosUploaded } from '../evidence/photos.js';
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
  /**
   * The client's key for this completion (header Idempotency-Key): the same key answers as the
   * first time did. Absent: a fresh one, so the call is applied at most once by itself.
   */
  idempotencyKey?: string;
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
      completedAt: true,
      assigneeId: true,
      workflowId: true,
      householdId: true,
      household: {
        select: {
          assignments: { where: { to: null }, select: { cadreId: true } },
          tasks: { where: { status: 'OPEN' }, select: { id: true, openedAt: true } },
        },
      },
    },
  });
  if (!task) throw new DomainError('NOT_FOUND', '该任务不存在');
  const householdCadreIds = task.household.assignments.map((a) => a.cadreId);
  if (!mayCompleteTask(input.cadreId, { assigneeId: task.assigneeId, householdCadreIds }))
    throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.notYourTask);
  // A closed task answers 409, unless the client's key may be the one that closed it: the workflow
  // then answers that update's first result, or refuses (closed by another completion: 409).
  if (task.status !== 'OPEN' && !input.idempotencyKey) throw new DomainError('CONFLICT', TASK_CLOSED);
  await assertPhotosUploaded(deps.prisma, task.householdId, input.record?.evidence?.photos ?? []);

  // Follow-ups this completion opened are the open ones that did not exist when it was applied.
  const openBefore = new Set(
    task.completedAt
      ? task.household.tasks.filter((t) => t.openedAt < (task.completedAt as Date)).map((t) => t.id)
      : task.household.tasks.map((t) => t.id),
  );
  const view = await callWorkflow(async () => {
    try {
      return await workflowHandle(deps, task.workflowId).executeUpdate(completeTaskUpdate, {
        updateId: completionUpdateId(task.id, input.idempotencyKey ?? randomUUID()),
        args: [
          {
            taskId: task.id,
            byCadreId: input.cadreId,
            ...(input.record ? { record: input.record } : {}),
            ...(input.note ? { note: input.note } : {}),
          },
        ],
      });
    } catch (error) {
      // The workflow ended since (the household left supervision): the task is closed for good.
      const ended = task.status !== 'OPEN' && error instanceof WorkflowNotFoundError;
      if (ended || isTaskNotOpen(error)) throw new DomainError('CONFLICT', TASK_CLOSED);
      throw error;
    }
  });
  const result = toActionResult(view);
  return {
    ...result,
    taskId: task.id,
    followUpsOpened: result.openTasks.filter((t) => t.kind === 'FOLLOW_UP' && !openBefore.has(t.id)),
  };
}

const TASK_CLOSED = '该任务已经办结或已取消';

/** The update id of one completion: per task, so a key reused for another task is a new update. */
export function completionUpdateId(taskId: string, idempotencyKey: string): string {
  return `complete/${taskId}/${idempotencyKey}`;
}

/**
 * The workflow refused because the task is no longer open (another completion closed it, or is
 * closing it right now): its handler's TaskNotOpen failure, or its validator's words for the same.
 */
function isTaskNotOpen(error: unknown): boolean {
  if (!(error instanceof WorkflowUpdateFailedError)) return false;
  for (let e: unknown = error.cause; e instanceof Error; e = e.cause) {
    if ((e as { type?: string }).type === 'TaskNotOpen' || e.message === '该任务不存在或已经办结')
      return true;
  }
  return false;
}
