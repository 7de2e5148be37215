// Overdue tasks: the reminder before the deadline, then the ladder's rungs one by one.
import { ESCALATION_RANK_LABELS } from '../../policy/index.js';
import { acts, type HouseholdRun } from './context.js';
import type { OpenTask } from './definitions.js';
import { isDue, nextEscalation, reminderAt } from './schedule.js';

/** Reminders and rungs that have come due by `now`, task by task. */
export async function remindAndEscalate(run: HouseholdRun, now: string) {
  const { state } = run;
  for (const task of [...state.openTasks]) {
    if (!task.reminded && isDue(reminderAt(state, task), now)) {
      await run.notify({
        key: `${task.id}/reminder`,
        kind: 'REMINDER',
        cadreId: task.assigneeId,
        task: run.taskInfo(task),
      });
      task.reminded = true;
    }
    await escalate(run, task, now);
  }
}

async function escalate(run: HouseholdRun, task: OpenTask, now: string) {
  const { state } = run;
  for (
    let next = nextEscalation(state, task);
    next && isDue(next.at, now);
    next = nextEscalation(state, task)
  ) {
    task.rung += 1;
    // Recorded at the rung's scheduled moment, not when the timer's task happened to run.
    const leader = await acts.escalateTask({
      taskId: task.id,
      rung: task.rung,
      rank: next.step.rank,
      at: next.at,
    });
    if (!leader) continue;
    await run.notify({
      key: `${task.id}/rung/${task.rung}`,
      kind: 'ESCALATED',
      cadreId: leader.id,
      task: run.taskInfo(task),
      escalation: {
        rung: task.rung,
        rankLabel: ESCALATION_RANK_LABELS[next.step.rank],
        responsibleCadreId: task.assigneeId,
        overdueSince: task.dueAt,
      },
    });
  }
}
