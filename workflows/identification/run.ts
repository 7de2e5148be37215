// What the parts of the identification workflow share: the state, the one-at-a-time lock, and the
// writes and notices its steps make. The activities are the household's (household/context.ts), so
// both workflows run them the same way; it passes itself to the household's ladder as a LadderRun.
import { condition } from '@temporalio/workflow';
import type { NotifyInput } from '../../activities/notify.js';
import { IDENTIFICATION_STEP_LABELS, TASK_KIND_LABELS } from '../../policy/rules.js';
import { acts } from '../household/context.js';
import type { OpenTask } from '../household/definitions.js';
import type { LadderRun } from '../household/escalation.js';
import { permanentFailure } from '../permanent-failure.js';
import type { IdentificationState } from './definitions.js';

export class IdentificationRun implements LadderRun {
  locked = false;
  poked = false;

  constructor(readonly state: IdentificationState) {}

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.locked) await condition(() => !this.locked);
    this.locked = true;
    try {
      return await work();
    } finally {
      this.locked = false;
      this.poked = true;
    }
  }

  /** As the household's: a failure that cannot heal is put on the household's timeline; the case goes on. */
  async survive<T>(activityType: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const cause = permanentFailure(error);
      if (!cause) throw error;
      const { state } = this;
      await acts.reportActivityFailure({
        householdId: state.householdId,
        workflowId: state.workflowId,
        key: `${state.workflowId}/failed/${++state.seq}`,
        activityType,
        message: cause.message,
        at: new Date().toISOString(),
      });
      return undefined;
    }
  }

  notify(n: Omit<NotifyInput, 'householdId'>) {
    return this.survive('notify', () => acts.notify({ ...n, householdId: this.state.householdId }));
  }

  taskInfo(t: OpenTask) {
    const label = `${TASK_KIND_LABELS.IDENTIFICATION}·${IDENTIFICATION_STEP_LABELS[this.state.step]}`;
    return { id: t.id, kindLabel: label, reason: t.reason, dueAt: t.dueAt };
  }
}
