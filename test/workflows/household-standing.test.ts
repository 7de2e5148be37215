import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../policy/index.js';
import {
  cancelUpdate,
  changeCategoryUpdate,
  completeTaskUpdate,
  type HouseholdView,
  pauseUpdate,
  reassignCadreUpdate,
  resumeUpdate,
} from '../../workflows/household/definitions.js';
import {
  expectChartCountsTrue,
  keptCountsKept,
  keptCountsTruth,
  standingKept,
  standingTruth,
} from '../helpers/standing-truth.js';
import {
  DAY,
  HOUR,
  openVisit,
  type TimeSkippingStack,
  useTimeSkippingTownship,
} from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord, waterFailingGuarantees } from '../helpers/visit-records.js';

// The households' standing and the charts' counts, kept by PostgreSQL triggers, after months of
// real supervision: the workflow and its real activities write the rows, nothing in the test does.
describe('HouseholdStanding after a realistic mix of writes by the household workflow', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx);
  });

  it('equals the truth recomputed from scratch after visits, findings, escalations, reassignment, pause and cancel', async () => {
    const households = [
      await town.addHousehold({ category: 'MONITORED' }),
      await town.addHousehold({ category: 'MARGINAL' }),
    ];
    const [h, steady] = households as [string, string];
    const checks: string[] = [];
    const expectTruth = async (step: string) => {
      checks.push(step);
      expect(await standingKept(stack.prisma, households), step).toEqual(
        await standingTruth(stack.prisma, households),
      );
      expect(await keptCountsKept(stack.prisma, households), step).toEqual(
        await keptCountsTruth(stack.prisma, households),
      );
    };

    await stack.run(async () => {
      const handle = await stack.startHousehold(h);
      const other = await stack.startHousehold(steady);
      let state = await stack.until(handle, (s) => !!openVisit(s));
      await stack.until(other, (s) => !!openVisit(s));
      await expectTruth('admitted');

      // A visit that fails on water and income: follow-ups open.
      let task = openVisit(state);
      if (!task) throw new Error('no visit task');
      state = await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt, {
              perCapitaIncomeYuan: 3200,
              guarantees: waterFailingGuarantees,
            }),
          },
        ],
      });
      const followUps = (s: HouseholdView) => s.openTasks.filter((t) => t.kind === 'FOLLOW_UP');
      expect(followUps(state).length).toBeGreaterThan(0);
      await expectTruth('a visit with findings');
      expect((await standingKept(stack.prisma, [h]))[0]).toMatchObject({ lastVisitCompliant: false });

      const water = followUps(state).find((t) => t.findingItem === 'water');
      if (!water) throw new Error('no water follow-up');
      state = await handle.executeUpdate(completeTaskUpdate, {
        args: [{ taskId: water.id, byCadreId: water.assigneeId, note: '已修好水管' }],
      });
      await expectTruth('a follow-up done');

      // The steady household is visited; the other misses its next visit long enough to climb rungs.
      const steadyTask = openVisit(await stack.state(other));
      if (!steadyTask) throw new Error('no visit task for the steady household');
      await other.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: steadyTask.id,
            byCadreId: steadyTask.assigneeId,
            record: compliantRecord(steadyTask.assigneeId, steadyTask.openedAt),
          },
        ],
      });
      await stack.env.sleep(DEFAULT_POLICY.visitEveryDays.MONITORED * DAY);
      state = await stack.state(handle);
      task = openVisit(state);
      if (!task) throw new Error('no second visit task');
      await stack.env.sleep(DEFAULT_POLICY.visitTaskDueDays * DAY + 60 * HOUR);
      await expectTruth('escalated');
      expect((await standingKept(stack.prisma, [h]))[0]?.highestOpenRung).toBeGreaterThanOrEqual(2);

      // Reassigned mid-task, then done: the escalations close.
      state = await handle.executeUpdate(reassignCadreUpdate, {
        args: [
          { role: 'ASSISTANCE', cadreId: town.cadres.assistance2, by: 'admin', reason: '原帮扶责任人调离' },
        ],
      });
      await expectTruth('reassigned');
      state = await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: town.cadres.assistance2,
            record: compliantRecord(
              town.cadres.assistance2,
              new Date(await stack.env.currentTimeMs()).toISOString(),
            ),
          },
        ],
      });
      await expectTruth('an escalated visit done');

      await handle.executeUpdate(changeCategoryUpdate, { args: [{ category: 'UNLIFTED', by: 'admin' }] });
      await handle.executeUpdate(pauseUpdate, { args: [{ reason: '外出务工', by: 'admin' }] });
      await expectTruth('paused');
      await stack.env.sleep(3 * DAY);
      await handle.executeUpdate(resumeUpdate, { args: [{ by: 'admin' }] });
      await expectTruth('resumed');
      await handle.executeUpdate(cancelUpdate, {
        args: [{ reason: 'MOVED_AWAY', note: '举家迁出', by: 'admin' }],
      });
      await stack.until(handle, (s) => s.status === 'CANCELLED');
    });
    await expectTruth('cancelled');
    expect((await standingKept(stack.prisma, [h]))[0]).toMatchObject({
      status: 'CANCELLED',
      underSupervision: false,
      openTasks: 0,
      riskOrder: 0,
    });
    expect(checks).toHaveLength(9);

    // The charts' counts of the village equal the interval query's at each audit row's instant and
    // just before it.
    const events = await stack.prisma.auditLog.findMany({
      where: { householdId: { in: households } },
      select: { at: true },
    });
    const instants = events.flatMap((e) => [new Date(e.at.getTime() - 1), e.at]);
    await expectChartCountsTrue(stack.prisma, town.villageId, instants);
    expect(new Set(events.map((e) => e.at.getTime())).size).toBeGreaterThan(3);
  });
});
