import type { WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  type HouseholdMember,
  type HouseholdProfile,
  POLICY_2026_1,
  type Policy,
  parsePolicy,
} from '../../policy/index.js';
import {
  changeCategoryUpdate,
  completeTaskUpdate,
  decideClosingStepUpdate,
  type HouseholdView,
  reassignCadreUpdate,
  updateFactsUpdate,
  upgradePolicyUpdate,
} from '../../workflows/household/definitions.js';
import type { householdWorkflow } from '../../workflows/household/workflow.js';
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

type Handle = WorkflowHandle<typeof householdWorkflow>;

const member = (name: string, relation: string, labourAbility: HouseholdMember['labourAbility']) => ({
  name,
  relation,
  age: 40,
  labourAbility,
  inSchool: false,
  chronicIllness: false,
});

const profile = (members: HouseholdMember[], labourClass: HouseholdProfile['labourClass'] = 'CLASS_1') => ({
  members,
  labourClass,
  causes: ['缺技术'],
  needs: '技能培训',
  plan: '发展养殖',
  phone: '13800000000',
});

const refusal = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'accepted',
    (e: WorkflowUpdateFailedError) => String(e.cause?.message),
  );

// A township whose people, facts and policy change under running households (issue 8, items 2–5),
// on the time-skipping server with the real activities and PostgreSQL.
describe('householdWorkflow in a township that changes', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  const extraCadres: string[] = [];
  beforeAll(async () => {
    ({ stack, town } = ctx);
    // Leaders of the same ranks who are NOT this village's: they sort first by id and one even
    // covers the village, so a rule "first active cadre of the rank" would pick them.
    const other = async (id: string, rank: string) => {
      await stack.prisma.cadre.create({
        data: {
          id: `${id}-${town.suffix}`,
          name: `外村${rank}`,
          email: `${id}-${town.suffix}@duzhan.example`,
          rank,
          villages: { connect: [{ id: town.villageId }] },
        },
      });
      extraCadres.push(`${id}-${town.suffix}`);
    };
    await other('a-village', 'VILLAGE_LEADER');
    await other('a-charge', 'LEADER_IN_CHARGE');
  });
  afterAll(async () => {
    await stack?.prisma.cadre.updateMany({ where: { id: { in: extraCadres } }, data: { active: false } });
  });

  /** Completes compliant visits on their cadence until the household starts closing. */
  async function driveToClosing(handle: Handle, income = 6500): Promise<HouseholdView> {
    let state = await stack.until(handle, (s) => !!openVisit(s));
    for (let visit = 0; visit < 12 && state.status === 'SUPERVISED'; visit++) {
      const task = openVisit(state);
      if (!task) throw new Error(`no visit task open after ${visit} visits`);
      state = await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt, { perCapitaIncomeYuan: income }),
          },
        ],
      });
      if (state.status === 'SUPERVISED') await stack.env.sleep(state.policy.visitEveryDays.MARGINAL * DAY);
      state = await stack.state(handle);
    }
    expect(state.status).toBe('CLOSING');
    return state;
  }

  const start = (householdId: string, policy: Policy = DEFAULT_POLICY) =>
    stack.startHousehold(householdId, { policy });

  it("escalates a missed visit to its own village's 包村领导 and 分管负责人, then the 乡长 and 党委书记", async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await start(householdId);
      const task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit task');
      await stack.env.sleep(DEFAULT_POLICY.visitTaskDueDays * DAY + 241 * HOUR);
      const escalations = await stack.prisma.escalation.findMany({
        where: { taskId: task.id },
        orderBy: { rung: 'asc' },
      });
      expect(escalations.map((e) => [e.rung, e.rank, e.leaderId])).toEqual([
        [1, 'ASSIGNED', task.assigneeId],
        [2, 'VILLAGE_LEADER', town.cadres.villageLeader],
        [3, 'LEADER_IN_CHARGE', town.cadres.leaderInCharge],
        [4, 'TOWNSHIP_HEAD', town.cadres.townshipHead],
        [5, 'PARTY_SECRETARY', town.cadres.partySecretary],
      ]);
    });
    // Paired with a leader who covers the village: never the other village's leaders.
    const paired = await stack.prisma.assignment.findFirstOrThrow({ where: { householdId, role: 'LEADER' } });
    expect(extraCadres).not.toContain(paired.cadreId);
  });

  it("never escalates a 乡长's own overdue task to people below him: it goes to the 党委书记", async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await start(householdId);
      await stack.until(handle, (s) => !!openVisit(s));
      const state = await handle.executeUpdate(reassignCadreUpdate, {
        args: [{ role: 'LEADER', cadreId: town.cadres.townshipHead, by: 'admin', reason: '乡长亲自结对' }],
      });
      const handover = state.openTasks.find((t) => t.kind === 'HANDOVER');
      if (!handover) throw new Error('no handover task');
      expect(handover.assigneeId).toBe(town.cadres.townshipHead);
      await stack.env.sleep(DEFAULT_POLICY.visitTaskDueDays * DAY + 241 * HOUR);
      const escalations = await stack.prisma.escalation.findMany({
        where: { taskId: handover.id },
        orderBy: { rung: 'asc' },
      });
      // Rung 2's 包村领导 and 分管负责人 are junior to him and the 乡长 rung is his own: the
      // escalation goes on to the 党委书记 at once, and nobody below him is ever told.
      expect(escalations.map((e) => [e.rung, e.rank, e.leaderId])).toEqual([
        [1, 'ASSIGNED', town.cadres.townshipHead],
        [2, 'PARTY_SECRETARY', town.cadres.partySecretary],
      ]);
      const told = await stack.prisma.notification.findMany({
        where: { id: { startsWith: `${handover.id}/rung/` } },
      });
      expect(told.map((n) => n.cadreId).sort()).toEqual(
        [town.cadres.townshipHead, town.cadres.partySecretary].sort(),
      );
      const skipped = await stack.prisma.auditLog.findMany({
        where: { householdId, action: 'ESCALATION_RUNG_SKIPPED' },
      });
      const reasons = skipped
        .map((row) => row.detail as { taskId: string; rank: string; reason: string })
        .filter((d) => d.taskId === handover.id);
      expect(reasons).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ rank: 'VILLAGE_LEADER', reason: 'JUNIOR_TO_ASSIGNEE' }),
          expect.objectContaining({ rank: 'LEADER_IN_CHARGE', reason: 'JUNIOR_TO_ASSIGNEE' }),
          expect.objectContaining({ rank: 'TOWNSHIP_HEAD', reason: 'ASSIGNEE' }),
        ]),
      );
      await recordHistory(handle, 'escalation-skips-juniors');
    });
  });

  it('a member added to a 边缘户 raises its cap at the next visit', async () => {
    const householdId = await town.addHousehold({
      category: 'MARGINAL',
      members: [{ age: 45, labourAbility: 'FULL' }],
    });
    await stack.run(async () => {
      const handle = await start(householdId);
      const task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit task');
      const project = () =>
        handle.executeUpdate(completeTaskUpdate, {
          args: [
            {
              taskId: task.id,
              byCadreId: task.assigneeId,
              record: compliantRecord(task.assigneeId, task.openedAt, {
                measures: [{ kind: 'MARGINAL_PROJECT', amountYuan: 8000, persons: 2 }],
              }),
            },
          ],
        });
      // One person: 5,000 元 at most, and two beneficiaries are more than the household has.
      expect(await refusal(project())).toMatch(/5,?000|超过家庭人口/);

      const bad = handle.executeUpdate(updateFactsUpdate, {
        args: [{ profile: profile([]), by: 'admin' }],
      });
      expect(await refusal(bad)).toMatch(/至少填写一名家庭成员/);

      const updated = await handle.executeUpdate(updateFactsUpdate, {
        args: [
          {
            profile: profile([member('户主', '户主', 'FULL'), member('新成员', '配偶', 'FULL')]),
            by: 'admin',
            reason: '妻子户口迁入',
          },
        ],
      });
      expect(updated.facts.memberCount).toBe(2);
      const done = await project();
      expect(done.visits).toHaveLength(1);
      await recordHistory(handle, 'facts-raise-cap');
    });
    const household = await stack.prisma.household.findUniqueOrThrow({
      where: { id: householdId },
      include: { members: { orderBy: { name: 'asc' } } },
    });
    expect(household.phone).toBe('13800000000');
    expect(household.plan).toBe('发展养殖');
    expect(household.members.map((m) => m.name).sort()).toEqual(['户主', '新成员'].sort());
    // The member already registered keeps its row (it is matched in order when the name changed).
    expect(household.members.map((m) => m.id)).toContain(`${householdId}-m0`);
    const audit = await stack.prisma.auditLog.findMany({ where: { householdId, action: 'FACTS_CHANGED' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe('admin');
  });

  it("a member's labour set to none makes the household 兜底 and stops its closing", async () => {
    const householdId = await town.addHousehold({
      members: [
        { age: 45, labourAbility: 'FULL' },
        { age: 70, labourAbility: 'NONE' },
      ],
    });
    await stack.run(async () => {
      const handle = await start(householdId);
      await driveToClosing(handle);
      const after = await handle.executeUpdate(updateFactsUpdate, {
        args: [
          {
            profile: profile([member('户主', '户主', 'NONE'), member('母亲', '母亲', 'NONE')], 'CLASS_4'),
            by: town.cadres.assistance,
            reason: '户主因伤丧失劳动能力',
          },
        ],
      });
      expect(after.status).toBe('SUPERVISED');
      expect(after.closing).toBeUndefined();
      expect(after.facts.hasLabour).toBe(false);
      expect(after.exitCriteria.find((c) => c.key === 'HAS_LABOUR')?.met).toBe(false);
      await recordHistory(handle, 'facts-stop-closing');
    });
    const aborted = await stack.prisma.auditLog.findFirstOrThrow({
      where: { householdId, action: 'CLOSING_ABORTED' },
    });
    expect(JSON.stringify(aborted.detail)).toMatch(/家庭信息变更.*家庭有劳动力/);
    const household = await stack.prisma.household.findUniqueOrThrow({
      where: { id: householdId },
      include: { members: true },
    });
    expect(household.status).toBe('SUPERVISED');
    expect(household.labourClass).toBe('CLASS_4');
    expect(household.members.every((m) => m.labourAbility === 'NONE')).toBe(true);
  });

  it('an upgrade to an income line of 4,500 opens a follow-up where the latest income is under it and stops the closing', async () => {
    const under = await town.addHousehold();
    const over = await town.addHousehold();
    const higherLine = parsePolicy({
      ...POLICY_2026_1,
      version: '2026.2',
      incomeLineYuanPerPersonYear: 4500,
    });
    await stack.run(async () => {
      const closing = await start(under);
      const supervised = await start(over);
      await driveToClosing(closing, 4200); // over the old line of 4,000, under the new one
      const task = openVisit(await stack.until(supervised, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit task');
      await supervised.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt, { perCapitaIncomeYuan: 6500 }),
          },
        ],
      });

      const upgrade = (handle: Handle) =>
        handle.executeUpdate(upgradePolicyUpdate, { args: [{ policy: higherLine, by: 'admin' }] });
      const after = await upgrade(closing);
      expect(after.policy.version).toBe('2026.2');
      expect(after.status).toBe('SUPERVISED');
      expect(after.openTasks.filter((t) => t.findingKind === 'INCOME_BELOW_LINE')).toHaveLength(1);
      // The same version again (a bulk upgrade resumed) changes nothing and opens nothing twice.
      const again = await upgrade(closing);
      expect(again.openTasks.filter((t) => t.findingKind === 'INCOME_BELOW_LINE')).toHaveLength(1);
      // A category change during supervision re-checks nothing it should not: the follow-up stays.
      const category = await closing.executeUpdate(changeCategoryUpdate, {
        args: [{ category: 'MONITORED', by: 'admin' }],
      });
      expect(category.openTasks.filter((t) => t.findingKind === 'INCOME_BELOW_LINE')).toHaveLength(1);
      const fine = await upgrade(supervised);
      expect(fine.openTasks.some((t) => t.findingKind === 'INCOME_BELOW_LINE')).toBe(false);
      await recordHistory(closing, 'policy-upgrade-stops-closing');
    });
    const upgrades = await stack.prisma.auditLog.count({
      where: { householdId: under, action: 'POLICY_UPGRADED' },
    });
    expect(upgrades).toBe(1);
    const aborted = await stack.prisma.auditLog.findFirstOrThrow({
      where: { householdId: under, action: 'CLOSING_ABORTED' },
    });
    expect(JSON.stringify(aborted.detail)).toMatch(/督战策略升级到 2026\.2/);
    expect(
      await stack.prisma.task.count({
        where: { householdId: under, findingKind: 'INCOME_BELOW_LINE', status: 'OPEN' },
      }),
    ).toBe(1);
  });

  it('tells each closing step’s approvers when it starts and when it is overdue; one person cannot approve both reviews', async () => {
    const householdId = await town.addHousehold();
    const kindsTo = async (kind: string) =>
      (
        await stack.prisma.notification.findMany({
          where: { householdId, kind },
          orderBy: { createdAt: 'asc' },
        })
      ).map((n) => n.cadreId);
    const days = POLICY_2026_1.closingProcedureDays;
    const grace = POLICY_2026_1.closingOverdue?.graceHours ?? 0;
    await stack.run(async () => {
      const handle = await start(householdId, POLICY_2026_1);
      const closing = await driveToClosing(handle);
      const cadres = [closing.cadres.assistance?.id, closing.cadres.leader?.id];
      expect(await kindsTo('CLOSING_STEP_STARTED')).toEqual(
        expect.arrayContaining([town.cadres.villageLeader, ...cadres]),
      );

      // 民主评议 past its deadline: the village's 包村领导 (and the household's cadres) are told.
      await stack.env.sleep(days.VILLAGE_REVIEW * DAY + HOUR);
      expect(await kindsTo('CLOSING_STEP_OVERDUE')).toEqual(
        expect.arrayContaining([town.cadres.villageLeader, ...cadres]),
      );
      await handle.executeUpdate(decideClosingStepUpdate, {
        args: [
          { step: 'VILLAGE_REVIEW', approved: true, by: town.cadres.villageLeader, note: '民主评议通过' },
        ],
      });
      await stack.env.sleep(days.PUBLIC_NOTICE * DAY + HOUR);
      expect((await stack.state(handle)).closing?.step).toBe('TOWNSHIP_REVIEW');
      expect(await kindsTo('CLOSING_STEP_STARTED')).toContain(town.cadres.leaderInCharge);

      // 乡镇审核 overdue: its 分管负责人, then one grace period later the 乡长.
      const overdueBefore = (await kindsTo('CLOSING_STEP_OVERDUE')).length;
      await stack.env.sleep(days.TOWNSHIP_REVIEW * DAY + HOUR);
      expect((await kindsTo('CLOSING_STEP_OVERDUE')).slice(overdueBefore)).toEqual([
        town.cadres.leaderInCharge,
      ]);
      await stack.env.sleep(grace * HOUR);
      expect((await kindsTo('CLOSING_STEP_OVERDUE')).slice(overdueBefore)).toEqual([
        town.cadres.leaderInCharge,
        town.cadres.townshipHead,
      ]);
      await handle.executeUpdate(decideClosingStepUpdate, {
        args: [
          { step: 'TOWNSHIP_REVIEW', approved: true, by: town.cadres.leaderInCharge, note: '乡镇审核通过' },
        ],
      });
      expect(await kindsTo('CLOSING_STEP_STARTED')).toContain(town.cadres.countyApprover);

      // 县级审批 overdue: the county approver is told.
      await stack.env.sleep(days.COUNTY_APPROVAL * DAY + HOUR);
      expect(await kindsTo('CLOSING_STEP_OVERDUE')).toContain(town.cadres.countyApprover);

      const same = handle.executeUpdate(decideClosingStepUpdate, {
        args: [{ step: 'COUNTY_APPROVAL', approved: true, by: town.cadres.leaderInCharge, note: '同意' }],
      });
      expect(await refusal(same)).toMatch(/同一人不能既做乡镇审核又做县级审批/);
      expect((await stack.state(handle)).status).toBe('CLOSING');
      await handle.executeUpdate(decideClosingStepUpdate, {
        args: [
          { step: 'COUNTY_APPROVAL', approved: true, by: town.cadres.countyApprover, note: '县级审批同意' },
        ],
      });
      expect((await handle.result()).status).toBe('STABLY_OUT');
      await recordHistory(handle, 'closing-deadlines');
    });
    const exit = await stack.prisma.exitAssessment.findFirstOrThrow({ where: { householdId } });
    expect((exit.steps as Array<{ step: string; by: string }>).map((s) => [s.step, s.by])).toEqual([
      ['VILLAGE_REVIEW', town.cadres.villageLeader],
      ['PUBLIC_NOTICE', 'system'],
      ['TOWNSHIP_REVIEW', town.cadres.leaderInCharge],
      ['COUNTY_APPROVAL', town.cadres.countyApprover],
    ]);
  });
});
