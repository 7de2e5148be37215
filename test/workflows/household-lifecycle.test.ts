import { WorkflowUpdateFailedError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { readmitHousehold } from '../../domain/households.js';
import { DEFAULT_POLICY, parsePolicy } from '../../policy/index.js';
import {
  changeCategoryUpdate,
  completeTaskUpdate,
  decideClosingStepUpdate,
  type HouseholdView,
  householdWorkflowId,
  reassignCadreUpdate,
  upgradePolicyUpdate,
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
import { compliantRecord, waterFailingGuarantees } from '../helpers/visit-records.js';

// Months of supervision run on the time-skipping test server: no policy duration is shortened.
describe('householdWorkflow on the time-skipping server, with real activities and PostgreSQL', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx); // runs after the helper's own beforeAll
  });

  it('takes a household from admission to a stable exit through the closing procedure', async () => {
    const householdId = await town.addHousehold({ category: 'MARGINAL' });
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      let state = await stack.until(handle, (s) => !!openVisit(s));
      expect(state.cadres.assistance?.id).toBe(town.cadres.assistance);
      expect(state.cadres.leader).toBeDefined();

      for (let visit = 0; visit < 12 && state.status === 'SUPERVISED'; visit++) {
        const task = openVisit(state);
        if (!task) throw new Error(`no visit task open after ${visit} visits`);
        state = await handle.executeUpdate(completeTaskUpdate, {
          args: [
            {
              taskId: task.id,
              byCadreId: task.assigneeId,
              record: compliantRecord(task.assigneeId, task.openedAt),
            },
          ],
        });
        if (state.status === 'SUPERVISED')
          await stack.env.sleep(DEFAULT_POLICY.visitEveryDays.MARGINAL * DAY);
        state = await stack.state(handle);
      }
      expect(state.status).toBe('CLOSING');
      expect(state.closing?.step).toBe('VILLAGE_REVIEW');
      expect(state.exitCriteria.every((c) => c.met)).toBe(true);

      await handle.executeUpdate(decideClosingStepUpdate, {
        args: [
          { step: 'VILLAGE_REVIEW', approved: true, by: town.cadres.villageLeader, note: '民主评议通过' },
        ],
      });
      expect((await stack.state(handle)).closing?.step).toBe('PUBLIC_NOTICE');
      await stack.env.sleep(DEFAULT_POLICY.closingProcedureDays.PUBLIC_NOTICE * DAY + HOUR);
      expect((await stack.state(handle)).closing?.step).toBe('TOWNSHIP_REVIEW');
      await handle.executeUpdate(decideClosingStepUpdate, {
        args: [
          { step: 'TOWNSHIP_REVIEW', approved: true, by: town.cadres.townshipHead, note: '乡镇审核通过' },
        ],
      });
      await handle.executeUpdate(decideClosingStepUpdate, {
        args: [{ step: 'COUNTY_APPROVAL', approved: true, by: 'county', note: '县级审批同意' }],
      });
      const final = await handle.result();
      expect(final.status).toBe('STABLY_OUT');
      await recordHistory(handle, 'stable-exit');
    });

    const household = await stack.prisma.household.findUniqueOrThrow({
      where: { id: householdId },
      include: { exits: true },
    });
    expect(household.status).toBe('STABLY_OUT');
    expect(household.exits).toHaveLength(1);
    const steps = household.exits[0]?.steps as Array<{ step: string }>;
    expect(steps.map((s) => s.step)).toEqual([
      'VILLAGE_REVIEW',
      'PUBLIC_NOTICE',
      'TOWNSHIP_REVIEW',
      'COUNTY_APPROVAL',
    ]);
    expect(await stack.prisma.assignment.count({ where: { householdId, to: null } })).toBe(0);
    expect(await stack.prisma.notification.count({ where: { householdId, kind: 'STABLE_EXIT' } })).toBe(2);

    // 回退: a new risk puts the household under supervision again, as a new run of the same id.
    const deps = { prisma: stack.prisma, temporal: stack.env.client, taskQueue: stack.taskQueue };
    await stack.run(async () => {
      await readmitHousehold(deps, householdId, '因病返贫风险', 'admin');
      const again = stack.adopt(stack.env.client.workflow.getHandle(householdWorkflowId(householdId)));
      const state = await stack.until(again, (s) => s.status === 'SUPERVISED' && s.openTasks.length > 0);
      expect(state.visits).toHaveLength(0);
      await expect(readmitHousehold(deps, householdId, 'again', 'admin')).rejects.toThrow(/仍在/);
    });
    const exit = await stack.prisma.exitAssessment.findFirstOrThrow({ where: { householdId } });
    expect(exit.rolledBackAt).not.toBeNull();
    expect(await stack.prisma.task.count({ where: { householdId, kind: 'VISIT', status: 'OPEN' } })).toBe(1);
  });

  it('climbs every rung of the ladder in order for a missed visit, and closes them when it is done', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit task');
      // Due after visitTaskDueDays; the ladder's grace periods add up to 240 h after that.
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
      const opened = escalations.map((e) => e.openedAt.getTime());
      expect(opened).toEqual([...opened].sort((a, b) => a - b));
      expect((opened[1] ?? 0) - (opened[0] ?? 0)).toBe(48 * HOUR);
      expect(
        await stack.prisma.notification.count({ where: { id: { startsWith: `${task.id}/rung/` } } }),
      ).toBe(5);
      expect((await stack.state(handle)).highestRung).toBe(5);

      await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, new Date(await stack.env.currentTimeMs()).toISOString()),
          },
        ],
      });
      await recordHistory(handle, 'escalation-ladder');
    });
    const closed = await stack.prisma.escalation.findMany({ where: { task: { householdId } } });
    expect(closed).toHaveLength(5);
    expect(closed.every((e) => e.closedAt !== null)).toBe(true);
    expect(await stack.prisma.notification.count({ where: { householdId, kind: 'TASK_DONE' } })).toBe(5);
  });

  it('opens a follow-up for each kind of finding, due per the policy', async () => {
    const householdId = await town.addHousehold({ category: 'MONITORED' });
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      let task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit task');
      let state = await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt, {
              perCapitaIncomeYuan: 3200,
              guarantees: waterFailingGuarantees,
              measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 20_000 }],
              largeCosts: [{ description: '住院手术费', amountYuan: 30_000, resolved: false }],
            }),
          },
        ],
      });
      const kinds = (s: HouseholdView) =>
        s.openTasks.filter((t) => t.kind === 'FOLLOW_UP').map((t) => `${t.findingKind}:${t.findingItem}`);
      expect(kinds(state).sort()).toEqual([
        'GUARANTEE_FAILED:water',
        'INCOME_BELOW_LINE:income',
        'LARGE_COST:住院手术费',
      ]);
      const water = state.openTasks.find((t) => t.findingItem === 'water');
      expect(new Date(water?.dueAt ?? 0).getTime() - new Date(water?.openedAt ?? 0).getTime()).toBe(
        DEFAULT_POLICY.followUpDueDays.GUARANTEE_FAILED * DAY,
      );

      // A second subsidy within its own cap, whose total over the supervision passes 30,000 元.
      await stack.env.sleep(DEFAULT_POLICY.visitEveryDays.MONITORED * DAY);
      task = openVisit(await stack.state(handle));
      if (!task) throw new Error('no second visit task');
      state = await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt, {
              measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 15_000 }],
            }),
          },
        ],
      });
      expect(kinds(state)).toContain('CAP_EXCEEDED:INDUSTRY_SUBSIDY');
      await recordHistory(handle, 'findings-follow-ups');
    });
    const rows = await stack.prisma.task.findMany({ where: { householdId, kind: 'FOLLOW_UP' } });
    expect(rows.map((r) => r.findingKind).sort()).toEqual([
      'CAP_EXCEEDED',
      'GUARANTEE_FAILED',
      'INCOME_BELOW_LINE',
      'LARGE_COST',
    ]);
    expect(rows.every((r) => r.assigneeId === town.cadres.assistance)).toBe(true);
  });

  it('rejects a bad visit record in the validator and writes nothing', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!task) throw new Error('no visit task');
      const attempt = (record: ReturnType<typeof compliantRecord>, byCadreId = task.assigneeId) =>
        handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, byCadreId, record }] });

      const negative = attempt(compliantRecord(task.assigneeId, task.openedAt, { perCapitaIncomeYuan: -5 }));
      await expect(negative).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(
        negative.catch((e: WorkflowUpdateFailedError) => String(e.cause?.message)),
      ).resolves.toMatch(/人均纯收入/);
      const overCap = attempt(
        compliantRecord(task.assigneeId, task.openedAt, {
          measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 30_001 }],
        }),
      );
      await expect(
        overCap.catch((e: WorkflowUpdateFailedError) => String(e.cause?.message)),
      ).resolves.toMatch(/30,?000/);
      const stranger = attempt(compliantRecord('nobody', task.openedAt), 'nobody');
      await expect(
        stranger.catch((e: WorkflowUpdateFailedError) => String(e.cause?.message)),
      ).resolves.toMatch(/只有该户的帮扶干部/);

      const state = await stack.state(handle);
      expect(state.openTasks.map((t) => t.id)).toContain(task.id);
      expect(state.visits).toHaveLength(0);
    });
    expect(await stack.prisma.visitRecord.count({ where: { householdId } })).toBe(0);
    expect((await stack.prisma.task.findMany({ where: { householdId } })).map((t) => t.status)).toEqual([
      'OPEN',
    ]);
  });

  it('never closes a 兜底 household whose members cannot work', async () => {
    const householdId = await town.addHousehold({
      labourClass: 'CLASS_4',
      members: [
        { age: 78, labourAbility: 'NONE' },
        { age: 74, labourAbility: 'NONE' },
      ],
    });
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      let state = await stack.until(handle, (s) => !!openVisit(s));
      for (let visit = 0; visit < 10; visit++) {
        const task = openVisit(state);
        if (!task) throw new Error('no visit task');
        state = await handle.executeUpdate(completeTaskUpdate, {
          args: [
            {
              taskId: task.id,
              byCadreId: task.assigneeId,
              record: compliantRecord(task.assigneeId, task.openedAt, {
                measures: [{ kind: 'DIBAO', amountYuan: 3000 }],
              }),
            },
          ],
        });
        await stack.env.sleep(DEFAULT_POLICY.visitEveryDays.MARGINAL * DAY);
        state = await stack.state(handle);
      }
      expect(state.status).toBe('SUPERVISED');
      expect(state.exitCriteria.find((c) => c.key === 'HAS_LABOUR')?.met).toBe(false);
      expect(state.exitCriteria.filter((c) => c.key !== 'HAS_LABOUR').every((c) => c.met)).toBe(true);
    });
    expect(await stack.prisma.exitAssessment.count({ where: { householdId } })).toBe(0);
  });

  it('reassigns a cadre mid-task: the open task moves, a handover visit opens, rungs go to the new cadre', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const task = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      expect(task?.assigneeId).toBe(town.cadres.assistance);
      const state = await handle.executeUpdate(reassignCadreUpdate, {
        args: [
          { role: 'ASSISTANCE', cadreId: town.cadres.assistance2, by: 'admin', reason: '原帮扶责任人调离' },
        ],
      });
      expect(state.cadres.assistance?.id).toBe(town.cadres.assistance2);
      expect(state.openTasks.find((t) => t.id === task?.id)?.assigneeId).toBe(town.cadres.assistance2);
      expect(
        state.openTasks.some((t) => t.kind === 'HANDOVER' && t.assigneeId === town.cadres.assistance2),
      ).toBe(true);
      await expect(
        handle.executeUpdate(reassignCadreUpdate, {
          args: [{ role: 'ASSISTANCE', cadreId: 'ghost', by: 'admin', reason: 'x' }],
        }),
      ).rejects.toThrow(WorkflowUpdateFailedError);
      await stack.env.sleep(DEFAULT_POLICY.visitTaskDueDays * DAY + HOUR);
      await recordHistory(handle, 'reassign-cadre');
    });
    const moved = await stack.prisma.task.findFirstOrThrow({ where: { householdId, kind: 'VISIT' } });
    expect(moved.assigneeId).toBe(town.cadres.assistance2);
    const rung1 = await stack.prisma.escalation.findFirstOrThrow({ where: { taskId: moved.id, rung: 1 } });
    expect(rung1.leaderId).toBe(town.cadres.assistance2);
    const assignments = await stack.prisma.assignment.findMany({
      where: { householdId, role: 'ASSISTANCE' },
      orderBy: { from: 'asc' },
    });
    expect(assignments.map((a) => [a.cadreId, a.to === null])).toEqual([
      [town.cadres.assistance, false],
      [town.cadres.assistance2, true],
    ]);
  });

  it('upgrades the policy of a running workflow only when told, and judges by the new line', async () => {
    const householdId = await town.addHousehold();
    const stricter = parsePolicy({ ...DEFAULT_POLICY, version: '2025.1', incomeLineYuanPerPersonYear: 6900 });
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      expect((await stack.until(handle, (s) => !!openVisit(s))).policy.version).toBe(DEFAULT_POLICY.version);
      await expect(
        handle.executeUpdate(upgradePolicyUpdate, {
          args: [{ policy: { ...stricter, escalationLadder: [] }, by: 'admin' }],
        }),
      ).rejects.toThrow(WorkflowUpdateFailedError);
      const upgraded = await handle.executeUpdate(upgradePolicyUpdate, {
        args: [{ policy: stricter, by: 'admin' }],
      });
      expect(upgraded.policy.version).toBe('2025.1');
      const task = openVisit(upgraded);
      if (!task) throw new Error('no visit task');
      // 6,500 元 meets the default line of 4,000 but not the new one of 6,900.
      const after = await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt),
          },
        ],
      });
      expect(after.openTasks.some((t) => t.findingKind === 'INCOME_BELOW_LINE')).toBe(true);
      const category = await handle.executeUpdate(changeCategoryUpdate, {
        args: [{ category: 'UNLIFTED', by: 'admin' }],
      });
      expect(category.facts.category).toBe('UNLIFTED');
      await recordHistory(handle, 'policy-upgrade-category');
    });
    const household = await stack.prisma.household.findUniqueOrThrow({ where: { id: householdId } });
    expect(household.policyVersion).toBe('2025.1');
    expect(household.category).toBe('UNLIFTED');
  });
});
