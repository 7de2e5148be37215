import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Capability } from '../../domain/access.js';
import {
  decideIdentificationStep,
  type IdentificationActor,
  type IdentificationDeps,
  raiseIdentificationCase,
  recordIdentificationObjection,
  type StepDecisionInput,
} from '../../domain/identification/cases.js';
import { identificationBoard } from '../../domain/queries/identification-board.js';
import { identificationReport } from '../../domain/queries/identification-report.js';
import { addTownshipDays, POLICY_2026_3, parsePolicy } from '../../policy/index.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import {
  type IdentificationState,
  identificationStateQuery,
  identificationWorkflowId,
} from '../../workflows/identification/definitions.js';
import { identificationWorkflow } from '../../workflows/identification/workflow.js';
import { DAY, HOUR, type TimeSkippingStack, useTimeSkippingTownship } from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';

// 识别纳入 on the time-skipping server: a case's steps, their deadlines and ladder, refusals, the
// 公示's objections, and the county's approval starting the household's supervision.
describe('identificationWorkflow (识别纳入)', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  let deps: IdentificationDeps;
  let serial = 0;
  const rules = POLICY_2026_3.identification;
  beforeAll(() => {
    ({ stack, town } = ctx);
    deps = { prisma: stack.prisma, temporal: stack.env.client, taskQueue: stack.taskQueue };
  });

  const actor = (
    id: string,
    cadreId: string | null,
    capabilities: Capability[] = [],
  ): IdentificationActor => ({
    id,
    cadreId,
    capabilities,
  });
  const cadre = () => actor('user-cadre', town.cadres.assistance);
  const supervisor = () => actor('user-supervisor', town.cadres.townshipHead, ['SUPERVISE']);
  const county = () => actor('user-county', null, ['APPROVE_COUNTY']);

  /** A new household found by the fixture's 帮扶责任人 on a visit (干部排查). */
  async function raise() {
    serial += 1;
    const number = `I${town.suffix}${serial}`;
    const raised = await raiseIdentificationCase(
      deps,
      {
        number,
        headName: `新户${serial}`,
        villageName: `测试村${town.suffix}`,
        source: 'CADRE_VISIT',
        reason: '家中主要劳动力患病，医疗支出大',
      },
      cadre(),
    );
    const handle = stack.adopt(stack.env.client.workflow.getHandle(raised.workflowId));
    return { ...raised, number, handle };
  }

  async function until(handle: WorkflowHandle, ready: (s: IdentificationState) => boolean) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const state = await handle.query(identificationStateQuery);
      if (ready(state)) return state;
      if (Date.now() > deadline) throw new Error(`case never became ready: ${state.status} ${state.step}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Waits until the household's admission has opened its first visit and no workflow task of it is
   * in flight: a run terminated mid-task keeps the test server's clock locked for the next test.
   */
  async function admissionSettled(householdId: string) {
    const handle = stack.env.client.workflow.getHandle(householdWorkflowId(householdId));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const visit = await stack.prisma.task.count({ where: { householdId, kind: 'VISIT' } });
      const described = await handle.describe();
      if (
        visit > 0 &&
        !described.raw.pendingWorkflowTask &&
        (described.raw.pendingActivities ?? []).length === 0
      )
        return;
      if (Date.now() > deadline) throw new Error('the household was never admitted');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const homeCheck: StepDecisionInput = {
    step: 'HOME_CHECK',
    approved: true,
    reason: '',
    homeCheck: {
      category: 'MARGINAL',
      consentSigned: true,
      profile: {
        members: [
          {
            name: '户主',
            relation: '本人',
            age: 52,
            labourAbility: 'PARTIAL',
            inSchool: false,
            chronicIllness: true,
          },
          {
            name: '配偶',
            relation: '配偶',
            age: 50,
            labourAbility: 'FULL',
            inSchool: false,
            chronicIllness: false,
          },
        ],
        labourClass: 'CLASS_3',
        causes: ['因病'],
        needs: '医疗救助',
        plan: '',
        phone: '13800000000',
      },
    },
  };
  const approve = (step: StepDecisionInput['step']): StepDecisionInput => ({
    step,
    approved: true,
    reason: '',
  });

  /** Home check, data check and 民主评议 approved: the case is under 公示. */
  async function toNotice(caseId: string, handle: WorkflowHandle) {
    await until(handle, (s) => s.openTasks.length === 1);
    await decideIdentificationStep(deps, caseId, homeCheck, cadre());
    await decideIdentificationStep(deps, caseId, approve('DATA_CHECK'), supervisor());
    return decideIdentificationStep(deps, caseId, approve('VILLAGE_REVIEW'), supervisor());
  }

  it('a case raised by a cadre becomes a supervised household after every step', async () => {
    await stack.run(async () => {
      const { caseId, householdId, handle } = await raise();
      const first = await until(handle, (s) => s.openTasks.length === 1);
      // The home check is the raising cadre's (the village's 帮扶责任人), due in 3 days.
      expect(first.openTasks[0]?.assigneeId).toBe(town.cadres.assistance);
      expect(Date.parse(first.openTasks[0]?.dueAt ?? '') - Date.parse(first.raisedAt)).toBe(3 * DAY);
      expect(Date.parse(first.limitAt) - Date.parse(first.raisedAt)).toBe(15 * DAY);
      // The county's step cannot be decided early, nor by the township.
      await expect(
        decideIdentificationStep(deps, caseId, approve('COUNTY_APPROVAL'), county()),
      ).rejects.toThrow(/当前不在这个环节/);
      const noConsent = { ...homeCheck, homeCheck: { ...homeCheck.homeCheck, consentSigned: false } };
      await expect(
        decideIdentificationStep(deps, caseId, noConsent as StepDecisionInput, cadre()),
      ).rejects.toThrow(/签字同意/);
      const notice = await toNotice(caseId, handle);
      expect(notice.step).toBe('PUBLIC_NOTICE');
      expect(notice.openTasks).toHaveLength(0);
      // The notice stays up its 5 days, then the township's review opens.
      await stack.env.sleep((rules?.publicNoticeDays ?? 5) * DAY + HOUR);
      await until(handle, (s) => s.step === 'TOWNSHIP_REVIEW' && s.openTasks.length === 1);
      await expect(
        decideIdentificationStep(deps, caseId, approve('TOWNSHIP_REVIEW'), county()),
      ).rejects.toThrow(/不能办理/);
      await decideIdentificationStep(deps, caseId, approve('TOWNSHIP_REVIEW'), supervisor());
      await expect(
        decideIdentificationStep(deps, caseId, approve('COUNTY_APPROVAL'), supervisor()),
      ).rejects.toThrow(/县级审批人/);
      const done = await decideIdentificationStep(deps, caseId, approve('COUNTY_APPROVAL'), county());
      expect(done.status).toBe('RECOGNISED');

      // 纳入监测: the household's own workflow runs with the home check's facts and cadres.
      stack.adopt(stack.env.client.workflow.getHandle(householdWorkflowId(householdId)));
      const deadline = Date.now() + 20_000;
      let household = await stack.prisma.household.findUniqueOrThrow({ where: { id: householdId } });
      while (household.status !== 'SUPERVISED' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        household = await stack.prisma.household.findUniqueOrThrow({ where: { id: householdId } });
      }
      expect(household).toMatchObject({
        status: 'SUPERVISED',
        workflowId: householdWorkflowId(householdId),
        phone: '13800000000',
        causes: ['因病'],
        policyVersion: POLICY_2026_3.version,
      });
      const assignments = await stack.prisma.assignment.findMany({ where: { householdId, to: null } });
      expect(assignments.map((a) => a.role).sort()).toEqual(['ASSISTANCE', 'LEADER']);
      expect(assignments.find((a) => a.role === 'ASSISTANCE')?.cadreId).toBe(town.cadres.assistance);
      const row = await stack.prisma.identificationCase.findUniqueOrThrow({
        where: { id: caseId },
        include: { steps: true },
      });
      expect(row).toMatchObject({ status: 'RECOGNISED', openHouseholdId: null });
      expect(row.steps.map((s) => s.decision).sort()).toEqual(
        ['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'ENDED'].sort(),
      );
      await admissionSettled(householdId);
      // The 调度会 report: found and recognised, about 5 days taken against the limit of 15.
      const now = new Date(await stack.env.currentTimeMs());
      const report = await identificationReport(stack.prisma, {
        now,
        since: new Date(Date.parse(row.raisedAt.toISOString()) - 1),
      });
      expect(report.found).toBeGreaterThanOrEqual(1);
      expect(report.ended.find((r) => r.caseId === caseId)).toMatchObject({
        status: 'RECOGNISED',
        statusLabel: '已纳入监测',
        daysTaken: 6,
        limitDays: 15,
        dayCountLabel: '自然日',
        overLimit: false,
      });
      // A second case for a household under supervision is refused.
      await expect(
        raiseIdentificationCase(deps, { householdId, source: 'CADRE_VISIT', reason: '再次' }, cadre()),
      ).rejects.toThrow(/已在挂牌督战中/);
    });
  });

  it('a home check left undone climbs the ladder, rung by rung', async () => {
    await stack.run(async () => {
      const { handle } = await raise();
      const state = await until(handle, (s) => s.openTasks.length === 1);
      const taskId = state.openTasks[0]?.id ?? '';
      // Overdue after 3 days; the ladder of 2026.3: the assignee at once, 包村领导 48 h later,
      // 分管负责人 48 h after that.
      await stack.env.sleep(3 * DAY + 96 * HOUR + HOUR);
      await until(handle, (s) => (s.openTasks[0]?.rung ?? 0) >= 3);
      const rungs = await stack.prisma.escalation.findMany({ where: { taskId }, orderBy: { rung: 'asc' } });
      expect(rungs.map((r) => [r.rank, r.leaderId])).toEqual([
        ['ASSIGNED', town.cadres.assistance],
        ['VILLAGE_LEADER', town.cadres.villageLeader],
        ['LEADER_IN_CHARGE', town.cadres.leaderInCharge],
      ]);
      const told = await stack.prisma.notification.findMany({
        where: { kind: 'ESCALATED', id: { startsWith: taskId } },
      });
      expect(told).toHaveLength(3);
      expect(told[0]?.subject).toContain('识别纳入');
    });
  });

  it('a case refused at 民主评议 starts nothing and tells the cadre who raised it why', async () => {
    await stack.run(async () => {
      const { caseId, householdId, handle } = await raise();
      await until(handle, (s) => s.openTasks.length === 1);
      await decideIdentificationStep(deps, caseId, homeCheck, cadre());
      await decideIdentificationStep(deps, caseId, approve('DATA_CHECK'), supervisor());
      await expect(
        decideIdentificationStep(
          deps,
          caseId,
          { step: 'VILLAGE_REVIEW', approved: false, reason: '' },
          supervisor(),
        ),
      ).rejects.toThrow(/须写明理由/);
      const refused = await decideIdentificationStep(
        deps,
        caseId,
        { step: 'VILLAGE_REVIEW', approved: false, reason: '家庭年收入高于监测范围' },
        supervisor(),
      );
      expect(refused).toMatchObject({
        status: 'REFUSED',
        outcomeReason: '村级民主评议未通过：家庭年收入高于监测范围',
      });
      expect(await handle.result()).toMatchObject({ status: 'REFUSED' });
      const household = await stack.prisma.household.findUniqueOrThrow({ where: { id: householdId } });
      expect(household).toMatchObject({ status: 'REGISTERED', workflowId: null });
      await expect(
        stack.env.client.workflow.getHandle(householdWorkflowId(householdId)).describe(),
      ).rejects.toThrow();
      const told = await stack.prisma.notification.findMany({
        where: { kind: 'IDENTIFICATION_REFUSED', householdId },
      });
      expect(told.map((n) => n.cadreId)).toEqual([town.cadres.assistance]);
      expect(told[0]?.text).toContain('家庭年收入高于监测范围');
      // The household may be raised again later (a new clue).
      const row = await stack.prisma.identificationCase.findUniqueOrThrow({ where: { id: caseId } });
      expect(row.openHouseholdId).toBeNull();
    });
  });

  it('an objection during the 公示 stops the case; none is taken once it has ended', async () => {
    await stack.run(async () => {
      const { caseId, householdId, handle } = await raise();
      await toNotice(caseId, handle);
      await stack.env.sleep(2 * DAY);
      await expect(recordIdentificationObjection(deps, caseId, '异议', cadre())).rejects.toThrow(
        /督战领导或管理员/,
      );
      const stopped = await recordIdentificationObjection(
        deps,
        caseId,
        '群众反映该户有经营性收入',
        supervisor(),
      );
      expect(stopped).toMatchObject({
        status: 'REFUSED',
        outcomeReason: '公示期间有异议：群众反映该户有经营性收入',
      });
      const steps = await stack.prisma.identificationCaseStep.findMany({ where: { caseId } });
      expect(steps.find((s) => s.step === 'PUBLIC_NOTICE')).toMatchObject({ decision: 'OBJECTED' });
      expect(steps.some((s) => s.step === 'TOWNSHIP_REVIEW')).toBe(false);
      await expect(recordIdentificationObjection(deps, caseId, '再次异议', supervisor())).rejects.toThrow(
        /已结束/,
      );
      const household = await stack.prisma.household.findUniqueOrThrow({ where: { id: householdId } });
      expect(household.status).toBe('REGISTERED');
    });
  });

  it('a case past the whole procedure limit shows as overdue on the board', async () => {
    await stack.run(async () => {
      const { caseId, handle } = await raise();
      await until(handle, (s) => s.openTasks.length === 1);
      await decideIdentificationStep(deps, caseId, homeCheck, cadre());
      const before = await identificationBoard(stack.prisma, new Date(await stack.env.currentTimeMs()));
      expect(before.overLimit.map((c) => c.id)).not.toContain(caseId);
      expect(before.byStep.find((s) => s.step === 'DATA_CHECK')?.count).toBeGreaterThanOrEqual(1);
      // The data check is never done: past its 2 days it is overdue, past 15 days the whole case.
      await stack.env.sleep((rules?.totalLimitDays ?? 15) * DAY + HOUR);
      const board = await identificationBoard(stack.prisma, new Date(await stack.env.currentTimeMs()));
      expect(board.stepOverdue.map((c) => c.id)).toContain(caseId);
      const over = board.overLimit.find((c) => c.id === caseId);
      expect(over).toMatchObject({ step: 'DATA_CHECK', stepLabel: '信息比对', overLimit: true });
    });
  });

  it('counts working days on the township calendar inside the workflow', async () => {
    const working = parsePolicy({
      ...POLICY_2026_3,
      version: '2026.99',
      identification: { ...POLICY_2026_3.identification, dayCount: 'WORKING' },
    });
    const householdId = await town.addHousehold();
    const caseId = `working-${town.suffix}`;
    await stack.prisma.identificationCase.create({
      data: {
        id: caseId,
        householdId,
        openHouseholdId: householdId,
        workflowId: identificationWorkflowId(caseId),
        source: 'APPLICATION',
        reason: '工作日计算',
        raisedBy: 'test',
        raisedAt: new Date(),
        policyVersion: working.version,
        limitAt: new Date(),
        step: 'HOME_CHECK',
      },
    });
    await stack.run(async () => {
      const handle = await stack.env.client.workflow.start(identificationWorkflow, {
        workflowId: identificationWorkflowId(caseId),
        taskQueue: stack.taskQueue,
        args: [{ caseId, householdId, policy: working, timeZone: 'Asia/Shanghai' }],
      });
      stack.adopt(handle);
      const state = await until(handle, (s) => s.openTasks.length === 1);
      expect(state.openTasks[0]?.dueAt).toBe(addTownshipDays(state.raisedAt, 3, 'WORKING', 'Asia/Shanghai'));
      expect(state.limitAt).toBe(addTownshipDays(state.raisedAt, 15, 'WORKING', 'Asia/Shanghai'));
    });
  });
});
