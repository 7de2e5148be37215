import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type VisitRecordInput } from '../../policy/index.js';
import {
  completeTaskUpdate,
  declareShockSignal,
  type HouseholdView,
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

const allOk = {
  food: { ok: true },
  clothing: { ok: true },
  education: { ok: true },
  medical: { ok: true },
  housing: { ok: true },
  water: { ok: true },
};

// The rhythm of a household's work on the time-skipping server with the real activities and
// PostgreSQL: the reminder before a due date, a finding that recurs, the end of a shock period.
describe('the rhythm of visits, reminders and follow-ups', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx); // runs after the helper's own beforeAll
  });

  async function complete(handle: Handle, state: HouseholdView, overrides: Partial<VisitRecordInput> = {}) {
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

  it('reminds the assignee once, reminderLeadHours before the due date, and not earlier', async () => {
    const householdId = await town.addHousehold();
    const reminders = () =>
      stack.prisma.notification
        .findMany({ where: { householdId, kind: 'REMINDER' } })
        .then((rows) => rows.map((n) => n.cadreId));
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit task');
      const lead = DEFAULT_POLICY.reminderLeadHours * HOUR;
      const dueIn = new Date(task.dueAt).getTime() - new Date(task.openedAt).getTime();
      expect(dueIn).toBe(DEFAULT_POLICY.visitTaskDueDays * DAY);

      await stack.env.sleep(dueIn - lead - HOUR);
      expect(await reminders()).toEqual([]);
      await stack.env.sleep(2 * HOUR);
      expect(await eventually(async () => ((await reminders()).length > 0 ? reminders() : null))).toEqual([
        task.assigneeId,
      ]);
      // Still before the due date: nobody up the ladder has been told.
      expect(await stack.prisma.notification.count({ where: { householdId, kind: 'ESCALATED' } })).toBe(0);
      // Past the due date the ladder climbs, but the reminder is not sent again.
      await stack.env.sleep(lead + HOUR);
      expect(await reminders()).toEqual([task.assigneeId]);
    });
  });

  it('opens one follow-up per finding: the same failure found again while it is open opens no second one', async () => {
    const householdId = await town.addHousehold({ category: 'MONITORED' });
    const followUps = () =>
      stack.prisma.task
        .findMany({ where: { householdId, kind: 'FOLLOW_UP' }, orderBy: { openedAt: 'asc' } })
        .then((rows) => rows.map((t) => `${t.findingKind}:${t.findingItem}:${t.status}`));
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      let state = await stack.until(handle, (s) => !!openVisit(s));
      state = await complete(handle, state, {
        guarantees: { ...allOk, water: { ok: false, note: '水管冻裂' } },
      });
      expect(await followUps()).toEqual(['GUARANTEE_FAILED:water:OPEN']);

      // The next visit finds the water still cut, and the housing unsafe too.
      await stack.env.sleep(DEFAULT_POLICY.visitEveryDays.MONITORED * DAY);
      state = await stack.until(handle, (s) => !!openVisit(s));
      state = await complete(handle, state, {
        guarantees: {
          ...allOk,
          water: { ok: false, note: '仍未修复' },
          housing: { ok: false, note: '房屋开裂' },
        },
      });
      expect(await followUps()).toEqual(['GUARANTEE_FAILED:water:OPEN', 'GUARANTEE_FAILED:housing:OPEN']);
      expect(state.openTasks.filter((t) => t.kind === 'FOLLOW_UP')).toHaveLength(2);
    });
  });

  it('visits at the shock cadence until the shock period ends, then at the category’s cadence again', async () => {
    const householdId = await town.addHousehold({ category: 'MARGINAL' });
    const { extraVisitEveryDays, durationDays } = DEFAULT_POLICY.shock;
    const regular = DEFAULT_POLICY.visitEveryDays.MARGINAL;
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      await complete(handle, await stack.until(handle, (s) => !!openVisit(s)));
      await handle.signal(declareShockSignal, { reason: '疫情影响外出务工', by: 'admin' });
      await complete(handle, await stack.until(handle, (s) => !!openVisit(s)));
      // Each visit is done within the hour it opens (visits open on their own timers whenever they
      // are done), for the shock period and a regular interval after it.
      for (let elapsed = 0; elapsed <= durationDays + regular + extraVisitEveryDays; ) {
        await stack.env.sleep(extraVisitEveryDays * DAY + HOUR);
        elapsed += extraVisitEveryDays;
        const state = await stack.state(handle);
        if (openVisit(state)) await complete(handle, state);
      }
    });
    const declared = await stack.prisma.auditLog.findFirstOrThrow({
      where: { householdId, action: 'SHOCK_DECLARED' },
    });
    const shockUntil = new Date((declared.detail as { until: string }).until).getTime();
    expect(shockUntil - declared.at.getTime()).toBeGreaterThanOrEqual(durationDays * DAY - HOUR);
    const opened = (
      await stack.prisma.task.findMany({
        where: { householdId, kind: 'VISIT' },
        orderBy: { openedAt: 'asc' },
      })
    ).map((t) => t.openedAt.getTime());
    // The admission visit, then the re-check at once and one visit every shock interval while the
    // shock lasts; the first visit opened after its end waits the category's whole interval.
    const gaps = opened
      .slice(1)
      .map((at, i) => ({ from: opened[i] ?? 0, days: (at - (opened[i] ?? 0)) / DAY }));
    const during = gaps.slice(1).filter((g) => g.from < shockUntil);
    const after = gaps.slice(1).filter((g) => g.from >= shockUntil);
    expect(during.length).toBeGreaterThanOrEqual(durationDays / extraVisitEveryDays - 1);
    for (const g of during) expect(g.days).toBeCloseTo(extraVisitEveryDays, 2);
    expect(after.length).toBeGreaterThanOrEqual(1);
    for (const g of after) expect(g.days).toBeCloseTo(regular, 2);
  });
});
