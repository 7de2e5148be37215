import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { PATCHES } from '../../workflows/household/patches.js';
import { recordHistory } from '../helpers/history-recorder.js';
import {
  admitAndVisitWithFinding,
  DAY,
  type TimeSkippingStack,
  useTimeSkippingTownship,
} from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';

/** What the household's history says about how its activities ran. */
async function activityEvents(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  return {
    scheduled: (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length,
    local: (events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      .length,
    workflowTasks: (events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length,
  };
}

describe('the household writes PostgreSQL inside its own workflow tasks (local activities)', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx);
  });

  /** Admission, a visit whose failed water guarantee opens a follow-up, that follow-up left to escalate. */
  async function visitWithOverdueFollowUp() {
    const { handle, householdId, visit, followUp } = await admitAndVisitWithFinding(stack, town);
    // Past the follow-up's due date and two rungs of the ladder (0 h, then 48 h).
    await stack.env.sleep(7 * DAY + 50 * 3_600_000);
    await stack.until(handle, (s) => (s.openTasks.find((t) => t.id === followUp.id)?.rung ?? 0) >= 2);
    return { handle, householdId, visit, followUp };
  }

  it('admission, a visit record, its follow-up and the rungs are written once each, as local activities but the pairing', async () => {
    await stack.run(
      async () => {
        const { handle, householdId, visit, followUp } = await visitWithOverdueFollowUp();
        const { prisma } = stack;
        const tasks = await prisma.task.findMany({ where: { householdId }, orderBy: { openedAt: 'asc' } });
        expect(tasks.map((t) => [t.id, t.kind, t.status])).toEqual([
          [visit.id, 'VISIT', 'DONE'],
          [followUp.id, 'FOLLOW_UP', 'OPEN'],
        ]);
        expect(await prisma.visitRecord.count({ where: { taskId: visit.id } })).toBe(1);
        const notices = await prisma.notification.findMany({
          where: { householdId },
          select: { kind: true },
        });
        expect(notices.map((n) => n.kind).sort()).toEqual(
          ['ASSIGNED', 'ASSIGNED', 'ESCALATED', 'ESCALATED', 'REMINDER', 'TASK_OPENED', 'TASK_OPENED'].sort(),
        );
        expect(await prisma.escalation.count({ where: { taskId: followUp.id } })).toBe(2);
        const events = await activityEvents(handle);
        // Only the pairing, which waits for the township's pairing lock, is an activity task.
        expect(events.scheduled).toBe(1);
        // loadHousehold, updateHousehold, 2 × notify, openTask, notify, completeTask,
        // openTask, notify (follow-up), its reminder, then per rung escalateTask and notify: at least 13.
        expect(events.local).toBeGreaterThanOrEqual(13);
        await recordHistory(handle, 'local-writes');
      },
      { patchesOff: [PATCHES.oneWritePerTransition, PATCHES.admissionInOneActivity] },
    );
  });

  it('before the patch, the same run schedules each write as an activity task, one workflow task each', async () => {
    await stack.run(
      async () => {
        const { handle } = await visitWithOverdueFollowUp();
        const events = await activityEvents(handle);
        expect(events.local).toBe(0);
        expect(events.scheduled).toBeGreaterThanOrEqual(14);
      },
      { patchesOff: [PATCHES.localWrites, PATCHES.oneWritePerTransition, PATCHES.admissionInOneActivity] },
    );
  });
});
