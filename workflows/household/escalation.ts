// Overdue tasks: the reminder before the deadline, then the ladder's rungs one by one. Shared by
// every workflow whose work is a Task on a household (the household's own, the identification of
// one): each passes itself as a LadderRun.
import type { NotifyInput } from '../../activities/notify.js';
import { ESCALATION_RANK_LABELS, escalationSchedule, type Policy } from '../../policy/rules.js';
import { acts } from './context.js';
import type { OpenTask } from './definitions.js';
import { isDue, nextEscalation, reminderAt } from './schedule.js';

/** What climbing the ladder needs from a run: its policy and open tasks, and how it writes and tells. */
export interface LadderRun {
  readonly state: { readonly policy: Policy; readonly openTasks: OpenTask[] };
  /** Runs an activity; a failure that cannot heal is recorded and yields undefined. */
  survive<T>(activityType: string, work: () => Promise<T>): Promise<T | undefined>;
  notify(n: Omit<NotifyInput, 'householdId'>): Promise<unknown>;
  taskInfo(t: OpenTask): NonNullable<NotifyInput['task']>;
}

/** Reminders and rungs that have come due by `now`, task by task. */
export async function remindAndEscalate(run: LadderRun, now: string) {
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

async function escalate(run: LadderRun, task: OpenTask, now: string) {
  const { state } = run;
  for (
    let next = nextEscalation(state, task);
    next && isDue(next.at, now);
    next = nextEscalation(state, task)
  ) {
    task.rung += 1;
    // Recorded at the rung's scheduled moment, not when the timer's task happened to run.
    const { rank } = next.step;
    // The ladder's later ranks: a rung whose holder may not be told (the assignee, someone already
    // told, someone junior to the assignee) goes on to the next holder who may.
    const ranksAbove = escalationSchedule(state.policy)
      .slice(next.step.rung + 1)
      .map((s) => s.rank);
    const leader = await run.survive('escalateTask', () =>
      acts.escalateTask({ taskId: task.id, rung: task.rung, rank, at: next.at, ranksAbove }),
    );
    if (!leader) continue;
    await run.notify({
      key: `${task.id}/rung/${task.rung}`,
      kind: 'ESCALATED',
      cadreId: leader.id,
      task: run.taskInfo(task),
      escalation: {
        rung: task.rung,
        // Histories from before the ladder could skip recorded no rank: the rung's own was reached.
        rankLabel: ESCALATION_RANK_LABELS[leader.rank ?? next.step.rank],
        responsibleCadreId: task.assigneeId,
        overdueSince: task.dueAt,
      },
    });
  }
}
