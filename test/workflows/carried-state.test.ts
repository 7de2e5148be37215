import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type VisitRecordInput } from '../../policy/index.js';
import {
  completeTaskUpdate,
  declareShockSignal,
  type HouseholdView,
  resumeSignal,
} from '../../workflows/household/definitions.js';
import type { householdWorkflow } from '../../workflows/household/workflow.js';
import { eventually } from '../helpers/real-stack.js';
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

  it('a new run goes on from the old one’s visits, measures and shock', { timeout: 240_000 }, async () => {
    const { extraVisitEveryDays } = DEFAULT_POLICY.shock;
    // The same past on a run that never continues, to learn how long its history is by then: the
    // household under test is given a history limit a little above it, so it never continues
    // during that past.
    const probeId = await town.addHousehold({ category: 'MARGINAL' });
    const pastLength = await stack.run(async () => {
      const probe = await stack.startHousehold(probeId);
      await givePast(probe);
      await stack.env.sleep(HOUR);
      return (await probe.describe()).historyLength;
    });

    const householdId = await town.addHousehold({ category: 'MARGINAL' });
    let handedOverAt = 0;
    let shockUntil = '';
    await stack.run(async () => {
      const first = await stack.startHousehold(householdId, { historyLimit: pastLength + 20 });
      const { runId: firstRun } = await first.describe();
      const past = await givePast(first);
      expect((await first.describe()).runId).toBe(firstRun); // the past is all in the first run
      expect(past.visits).toHaveLength(2);
      shockUntil = past.shockUntil ?? '';
      expect(shockUntil).not.toBe('');

      // Signals that change nothing (resume while not paused) only lengthen the history past the
      // limit; then the run hands over to a new one (once no signal is arriving: a new signal in the
      // same workflow task would hold continue-as-new back), with the shock and its next visit ahead.
      const latest = stack.env.client.workflow.getHandle<typeof householdWorkflow>(first.workflowId);
      const limit = pastLength + 20;
      for (let signal = 0; signal < 50 && (await latest.describe()).historyLength <= limit; signal++)
        await latest.signal(resumeSignal, { by: 'admin' });
      handedOverAt = await eventually(async () => {
        const description = await latest.describe();
        return description.runId === firstRun ? undefined : description.startTime.getTime();
      });
      expect(handedOverAt).toBeGreaterThan(0);
      await stack.env.sleep(extraVisitEveryDays * DAY + HOUR);
      let state = await stack.until(latest, (s) => !!openVisit(s));
      // visits: the new run still has the old run's visits, which the stable exit counts.
      expect(state.visits.slice(0, 2).map((v) => v.taskId)).toEqual(past.visits.map((v) => v.taskId));

      // measures: 10,000 元 alone is within the cap; with the old run's subsidies it passes it.
      state = await complete(latest, state, subsidy(10_000));
      expect(state.openTasks.map((t) => `${t.findingKind}:${t.findingItem}`)).toContain(
        'CAP_EXCEEDED:INDUSTRY_SUBSIDY',
      );

      // shockUntil: every visit is done the day it opens, until a shock interval after its end.
      const until = new Date(shockUntil).getTime() + extraVisitEveryDays * DAY;
      while ((await stack.env.currentTimeMs()) < until) {
        await stack.env.sleep(DAY);
        const current = await stack.state(latest);
        if (openVisit(current)) await complete(latest, current, {});
      }
    });
    const opened = (
      await stack.prisma.task.findMany({
        where: { householdId, kind: 'VISIT' },
        orderBy: { openedAt: 'asc' },
      })
    ).map((t) => t.openedAt.getTime());
    // A visit the new run opened during the shock set the next one a shock interval later.
    const shockEnds = new Date(shockUntil).getTime();
    const gaps = opened
      .slice(1)
      .map((at, i) => ({ from: opened[i] ?? 0, days: (at - (opened[i] ?? 0)) / DAY }))
      .filter((g) => g.from > handedOverAt && g.from < shockEnds);
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    for (const g of gaps) expect(g.days).toBeCloseTo(extraVisitEveryDays, 2);
    const caps = await stack.prisma.task.count({
      where: { householdId, kind: 'FOLLOW_UP', findingKind: 'CAP_EXCEEDED' },
    });
    expect(caps).toBe(1);
  });
});
