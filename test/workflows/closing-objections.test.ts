import type { WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClosingStep, POLICY_2026_1 } from '../../policy/index.js';
import {
  completeTaskUpdate,
  decideClosingStepUpdate,
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

const refusal = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'accepted',
    (e: WorkflowUpdateFailedError) => String(e.cause?.message),
  );

// The closing procedure (民主评议 → 公示 → 乡镇审核 → 县级审批) when a step says no: each refusal
// or objection sends the household back under supervision and nothing is closed. New households
// here start on the built-in policy 2026.1 (closing deadlines), not on 2024.1.
describe('objections and rejections in the closing procedure (policy 2026.1)', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx); // runs after the helper's own beforeAll
  });

  const policy = POLICY_2026_1;
  const visitEvery = policy.visitEveryDays.MARGINAL;

  async function completeVisit(handle: Handle, state: HouseholdView): Promise<HouseholdView> {
    const task = openVisit(state);
    if (!task) throw new Error('no visit task open');
    return handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          byCadreId: task.assigneeId,
          record: compliantRecord(task.assigneeId, task.openedAt),
        },
      ],
    });
  }

  /** Completes compliant visits on their cadence until the household starts closing. */
  async function driveToClosing(handle: Handle): Promise<HouseholdView> {
    let state = await stack.until(handle, (s) => !!openVisit(s));
    for (let visit = 0; visit < 12 && state.status === 'SUPERVISED'; visit++) {
      state = await completeVisit(handle, state);
      if (state.status === 'SUPERVISED') {
        await stack.env.sleep(visitEvery * DAY);
        state = await stack.until(handle, (s) => !!openVisit(s));
      }
    }
    expect(state.status).toBe('CLOSING');
    expect(state.closing?.step).toBe('VILLAGE_REVIEW');
    return state;
  }

  /** After a refusal, the next visit (criteria still met) starts the procedure again from its first step. */
  async function closeAgain(handle: Handle): Promise<HouseholdView> {
    await stack.env.sleep(visitEvery * DAY);
    const state = await completeVisit(handle, await stack.until(handle, (s) => !!openVisit(s)));
    expect(state.status).toBe('CLOSING');
    expect(state.closing?.step).toBe('VILLAGE_REVIEW');
    return state;
  }

  const decide = (handle: Handle, step: ClosingStep, approved: boolean, by: string, note: string) =>
    handle.executeUpdate(decideClosingStepUpdate, { args: [{ step, approved, by, note }] });

  it('a refused 民主评议, an objection in the 公示, a refused 乡镇审核 and 县级审批 each send it back', {
    timeout: 300_000,
  }, async () => {
    const householdId = await town.addHousehold({ category: 'MARGINAL' });
    const { villageLeader, leaderInCharge, countyApprover } = town.cadres;
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId, { policy });
      await driveToClosing(handle);
      expect((await stack.state(handle)).policy.version).toBe('2026.1');

      // 民主评议 refuses.
      await decide(handle, 'VILLAGE_REVIEW', false, villageLeader, '评议认为收入来源不稳');
      let state = await stack.state(handle);
      expect(state.status).toBe('SUPERVISED');
      expect(state.closing).toBeUndefined();

      // 公示: it cannot be approved early; an objection during it sends the household back, and
      // the notice's days passing afterwards close nothing.
      await closeAgain(handle);
      await decide(handle, 'VILLAGE_REVIEW', true, villageLeader, '民主评议通过');
      expect(await refusal(decide(handle, 'PUBLIC_NOTICE', true, villageLeader, '提前结束'))).toMatch(
        /只能在公示期间提出异议/,
      );
      await stack.env.sleep(HOUR);
      await decide(handle, 'PUBLIC_NOTICE', false, 'admin', '群众异议：家中另有收入未申报');
      await stack.env.sleep(policy.closingProcedureDays.PUBLIC_NOTICE * DAY);
      state = await stack.state(handle);
      expect(state.status).toBe('SUPERVISED');
      expect(state.closing).toBeUndefined();

      // 乡镇审核 refuses.
      await closeAgain(handle);
      await decide(handle, 'VILLAGE_REVIEW', true, villageLeader, '民主评议通过');
      await stack.env.sleep(policy.closingProcedureDays.PUBLIC_NOTICE * DAY + HOUR);
      expect((await stack.state(handle)).closing?.step).toBe('TOWNSHIP_REVIEW');
      await decide(handle, 'TOWNSHIP_REVIEW', false, leaderInCharge, '乡镇审核：帮扶措施未落实到位');
      expect((await stack.state(handle)).status).toBe('SUPERVISED');

      // 县级审批 refuses, at the last step.
      await closeAgain(handle);
      await decide(handle, 'VILLAGE_REVIEW', true, villageLeader, '民主评议通过');
      await stack.env.sleep(policy.closingProcedureDays.PUBLIC_NOTICE * DAY + HOUR);
      await decide(handle, 'TOWNSHIP_REVIEW', true, leaderInCharge, '乡镇审核通过');
      expect((await stack.state(handle)).closing?.step).toBe('COUNTY_APPROVAL');
      await decide(handle, 'COUNTY_APPROVAL', false, countyApprover, '县级审批不同意');
      state = await stack.state(handle);
      expect(state.status).toBe('SUPERVISED');
      // A decision on a step the household is not at is refused.
      expect(await refusal(decide(handle, 'COUNTY_APPROVAL', true, countyApprover, '同意'))).toMatch(
        /不在这个退出程序步骤/,
      );
    });

    const aborted = await stack.prisma.auditLog.findMany({
      where: { householdId, action: 'CLOSING_ABORTED' },
      orderBy: { at: 'asc' },
    });
    expect(aborted.map((a) => (a.detail as { step: string }).step)).toEqual([
      'VILLAGE_REVIEW',
      'PUBLIC_NOTICE',
      'TOWNSHIP_REVIEW',
      'COUNTY_APPROVAL',
    ]);
    expect(aborted.map((a) => (a.detail as { note: string }).note)).toEqual([
      expect.stringContaining('评议认为收入来源不稳'),
      expect.stringContaining('群众异议'),
      expect.stringContaining('帮扶措施未落实到位'),
      expect.stringContaining('县级审批不同意'),
    ]);
    const household = await stack.prisma.household.findUniqueOrThrow({
      where: { id: householdId },
      include: { exits: true },
    });
    expect(household.status).not.toBe('STABLY_OUT');
    expect(household.exits).toHaveLength(0);
  });
});
