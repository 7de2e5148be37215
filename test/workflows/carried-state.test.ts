import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type VisitRecordInput } from '../../policy/index.js';
import {
  completeTaskUpdate,
  declareShockSignal,
  type HouseholdView,
} from '../../workflows/household/definitions.js';
import type { householdWorkflow } from '../../workflows/household/workflow.js';
import {
  DAY,
  HOUR,
  openVisit,
  type TimeSkippingStack,
  useTimeSkippingTownship,
} from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

type Handle = WorkflowHandle<typeof householdWorkflow>;

// Continue-as-new after the household has a past: visits, measures received and a shock still
// running. Each of them must reach the new run, or the new run decides differently: a cap passed
// only by the total, the shock's cadence, the visits the stable exit counts.
describe('continue-as-new carries visits, measures and the shock to the new run', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx); // runs after the helper's own beforeAll
  });

  const subsidy = (amountYuan: number): Partial<VisitRecordInput> => ({
    measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan }],
  });
  const cap = DEFAULT_POLICY.measureCaps.INDUSTRY_SUBSIDY?.perHouseholdYuan ?? 0;

  async function complete(handle: Handle, state: HouseholdView, overrides: Partial<VisitRecordInput>) {
    const task = openVisit(state);
    if (!task) throw new Error('no visit task open');
    return handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          byCadreId: task.assigneeId,
          record: compliantRecord(task.assigneeId, task.openedAt, overrides),
        },
      ],
    });
  }

  /** Two visits (the second a shock's re-check) with subsidies adding up to just under the cap. */
  async function givePast(handle: Handle): Promise<HouseholdView> {
    await complete(handle, await stack.until(handle, (s) => !!openVisit(s)), subsidy(cap - 10_000));
    await handle.signal(declareShockSignal, { reason: '疫情影响外出务工', by: 'admin' });
    return complete(handle, await stack.until(handle, (s) => !!openVisit(s)), subsidy(1_000));
  }

  it('a new run goes on from the old one’s visits, measures and shock', async () => {
    // The same past on a run that never continues, to learn how long its history is by then: the
    // household under test continues as new on the first thing it does after that past.
    const probeId = await town.addHousehold({ category: 'MARGINAL' });
    const pastLength = await stack.run(async () => {
      const probe = await stack.startHousehold(probeId);
      await givePast(probe);
      return (await probe.describe()).historyLength;
    });

    const householdId = await town.addHousehold({ category: 'MARGINAL' });
    await stack.run(async () => {
      const first = await stack.startHousehold(householdId, { historyLimit: pastLength + 4 });
      const past = await givePast(first);
      const { runId: firstRun } = await first.describe();
      expect(firstRun).toBe(first.firstExecutionRunId); // the past is all in the first run
      expect(past.visits).toHaveLength(2);
      expect(past.shockUntil).toBeDefined();

      // The shock's next visit opens a week later, and the run hands over to a new one.
      await stack.env.sleep(DEFAULT_POLICY.shock.extraVisitEveryDays * DAY + HOUR);
      const latest = stack.env.client.workflow.getHandle<typeof householdWorkflow>(first.workflowId);
      expect((await latest.describe()).runId).not.toBe(firstRun);
      let state = await stack.until(latest, (s) => !!openVisit(s));
      // visits: the new run still counts the old run's visits toward the stable exit.
      expect(state.visits.map((v) => v.taskId)).toEqual(past.visits.map((v) => v.taskId));
      expect(state.shockUntil).toBe(past.shockUntil);

      // measures: 10,000 元 alone is within the cap; with the old run's subsidies it passes it.
      state = await complete(latest, state, subsidy(10_000));
      expect(state.openTasks.map((t) => `${t.findingKind}:${t.findingItem}`)).toContain(
        'CAP_EXCEEDED:INDUSTRY_SUBSIDY',
      );

      // shockUntil: the visits opened by the new run keep the shock's cadence until it ends.
      await stack.env.sleep(DEFAULT_POLICY.shock.extraVisitEveryDays * DAY);
      await complete(latest, await stack.until(latest, (s) => !!openVisit(s)), {});
      await stack.env.sleep(DEFAULT_POLICY.shock.extraVisitEveryDays * DAY);
      await stack.until(latest, (s) => !!openVisit(s));
    });
    const opened = (
      await stack.prisma.task.findMany({
        where: { householdId, kind: 'VISIT' },
        orderBy: { openedAt: 'asc' },
      })
    ).map((t) => t.openedAt.getTime());
    expect(opened).toHaveLength(5);
    const lastGap = ((opened[4] ?? 0) - (opened[3] ?? 0)) / DAY;
    expect(lastGap).toBeCloseTo(DEFAULT_POLICY.shock.extraVisitEveryDays, 2);
    const caps = await stack.prisma.task.count({
      where: { householdId, kind: 'FOLLOW_UP', findingKind: 'CAP_EXCEEDED' },
    });
    expect(caps).toBe(1);
  });
});
