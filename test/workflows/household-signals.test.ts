import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../policy/index.js';
import {
  cancelSupervisionSignal,
  completeTaskUpdate,
  declareShockSignal,
  type HouseholdView,
  pauseSignal,
  resumeSignal,
} from '../../workflows/household/definitions.js';
import { recordHistory } from '../helpers/history-recorder.js';
import {
  DAY,
  HOUR,
  openVisit,
  type TimeSkippingStack,
  useTimeSkippingTownship,
} from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

describe('signals to a running household workflow (time-skipping server, real activities)', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx); // runs after the helper's own beforeAll
  });

  it('a declared shock re-checks the household at once, then visits at the shock cadence', async () => {
    const householdId = await town.addHousehold({ category: 'MARGINAL' });
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const first = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!first) throw new Error('no visit');
      await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: first.id,
            byCadreId: first.assigneeId,
            record: compliantRecord(first.assigneeId, first.openedAt),
          },
        ],
      });
      await handle.signal(declareShockSignal, { reason: '疫情影响外出务工', by: 'admin' });
      const shocked = await stack.until(handle, (s) => !!openVisit(s));
      const second = openVisit(shocked);
      if (!second) throw new Error('no re-check visit');
      expect(shocked.shockUntil).toBeDefined();
      await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: second.id,
            byCadreId: second.assigneeId,
            record: compliantRecord(second.assigneeId, second.openedAt),
          },
        ],
      });
      await stack.env.sleep(DEFAULT_POLICY.shock.extraVisitEveryDays * DAY + HOUR);
      // Without the shock the next visit would be 30 days away.
      expect(openVisit(await stack.state(handle))).toBeDefined();
      await recordHistory(handle, 'shock');
    });
    expect(await stack.prisma.task.count({ where: { householdId, kind: 'VISIT' } })).toBe(3);
    expect(await stack.prisma.auditLog.count({ where: { householdId, action: 'SHOCK_DECLARED' } })).toBe(1);
  });

  it('pause stops every clock and resume moves the due dates by the time paused', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit');
      await handle.signal(pauseSignal, { reason: '户主住院', by: 'admin' });
      await stack.until(handle, (s) => s.status === 'PAUSED');
      await stack.env.sleep(20 * DAY);
      expect(await stack.prisma.escalation.count({ where: { taskId: task.id } })).toBe(0);
      await handle.signal(resumeSignal, { by: 'admin' });
      const resumed = await stack.until(handle, (s) => s.status === 'SUPERVISED');
      const shifted = resumed.openTasks.find((t) => t.id === task.id);
      const moved = new Date(shifted?.dueAt ?? 0).getTime() - new Date(task.dueAt).getTime();
      expect(moved).toBeGreaterThanOrEqual(20 * DAY);
      expect(moved).toBeLessThan(20 * DAY + HOUR);
      const row = await stack.prisma.task.findUniqueOrThrow({ where: { id: task.id } });
      expect(row.dueAt.toISOString()).toBe(shifted?.dueAt);
      await recordHistory(handle, 'pause-resume');
    });
  });

  it('cancel with a reason ends the supervision: tasks cancelled, household marked, workflow completed', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      await stack.until(handle, (s) => !!openVisit(s));
      await handle.signal(cancelSupervisionSignal, {
        reason: 'MOVED_AWAY',
        note: '举家迁往外省',
        by: 'admin',
      });
      const final = await handle.result();
      expect(final.status).toBe('CANCELLED');
      expect(final.cancelReason).toBe('MOVED_AWAY：举家迁往外省');
      await recordHistory(handle, 'cancel');
    });
    const household = await stack.prisma.household.findUniqueOrThrow({
      where: { id: householdId },
      include: { tasks: true },
    });
    expect(household.status).toBe('CANCELLED');
    expect(household.tasks.map((t) => t.status)).toEqual(['CANCELLED']);
    expect(await stack.prisma.assignment.count({ where: { householdId, to: null } })).toBe(0);
  });

  it('continues as new past its history limit, carrying the state, with nothing doubled', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId, { historyLimit: 30 });
      const first = await stack.until(handle, (s) => !!openVisit(s));
      const { runId: firstRun } = await handle.describe();
      // Reminders and rungs add events until the run hands over to a new one.
      await stack.env.sleep(DEFAULT_POLICY.visitTaskDueDays * DAY + 100 * HOUR);
      const description = await stack.env.client.workflow.getHandle(handle.workflowId).describe();
      expect(description.runId).not.toBe(firstRun);
      expect(description.status.name).toBe('RUNNING');
      const carried = (await stack.env.client.workflow
        .getHandle(handle.workflowId)
        .query('state')) as HouseholdView;
      expect(carried.chainId).toBe(first.chainId);
      expect(carried.openTasks.map((t) => t.id)).toEqual(first.openTasks.map((t) => t.id));
      expect(carried.highestRung).toBe(3);
      const task = openVisit(carried);
      if (!task) throw new Error('task lost');
      await stack.env.client.workflow.getHandle(handle.workflowId).executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt),
          },
        ],
      });
      await recordHistory(stack.env.client.workflow.getHandle(handle.workflowId), 'continued-as-new');
      // The run that actually continued as new (ends in WorkflowExecutionContinuedAsNew): the one
      // above is the new run's first events only.
      await recordHistory(
        stack.env.client.workflow.getHandle(handle.workflowId, firstRun),
        'continued-as-new.first-run',
      );
    });
    expect(await stack.prisma.task.count({ where: { householdId, kind: 'VISIT' } })).toBe(1);
    expect(await stack.prisma.escalation.count({ where: { task: { householdId } } })).toBe(3);
    expect(await stack.prisma.escalation.count({ where: { task: { householdId }, closedAt: null } })).toBe(0);
  });
});
