import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changeCategory,
  completeTask,
  declareShock,
  handOverCadre,
  reassignHousehold,
} from '../../domain/actions/index.js';
import { DomainError } from '../../domain/errors.js';
import { householdDetail } from '../../domain/queries/index.js';
import { startSupervision } from '../../domain/supervision.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

/** The DomainError a call fails with (fails the test if it does not). */
async function refusal(call: Promise<unknown>): Promise<DomainError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

const CHINESE = /[\u4e00-\u9fa5]/;

// Real Temporal dev server and PostgreSQL, a real worker: every action goes through a running
// household workflow, which writes the read model.
describe('admin and cadre actions through the household workflow', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let household: string;
  let other: string;
  const deps = () => ({ prisma: stack.prisma, temporal: stack.temporal, taskQueue: stack.taskQueue });

  async function supervise(id: string) {
    expect(await startSupervision(stack, id)).toBe(true);
    await stack.prisma.household.update({ where: { id }, data: { workflowId: householdWorkflowId(id) } });
    return eventually(() =>
      stack.prisma.task.findFirst({ where: { householdId: id, kind: 'VISIT', status: 'OPEN' } }),
    );
  }

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
    await stack.startWorker();
    household = await town.addHousehold({ category: 'MARGINAL' });
    other = await town.addHousehold({ category: 'UNLIFTED' });
    await Promise.all([supervise(household), supervise(other)]);
  });

  afterAll(async () => stack?.close());

  it('changeCategory goes through the workflow, which records it; the same category again is refused', async () => {
    const result = await changeCategory(deps(), household, 'MONITORED', 'admin-test');
    expect(result).toMatchObject({ householdId: household, category: 'MONITORED', status: 'SUPERVISED' });
    const row = await stack.prisma.household.findUniqueOrThrow({ where: { id: household } });
    expect(row.category).toBe('MONITORED');
    const audit = await stack.prisma.auditLog.findFirst({
      where: { householdId: household, action: 'CATEGORY_CHANGED' },
    });
    expect(audit).toMatchObject({ actor: 'admin-test', detail: { from: 'MARGINAL', to: 'MONITORED' } });

    const again = await refusal(changeCategory(deps(), household, 'MONITORED', 'admin-test'));
    expect(again.kind).toBe('INVALID');
    expect(again.message).toBe('该户已经是这个类别');
    const bad = await refusal(changeCategory(deps(), household, 'RICH', 'admin-test'));
    expect(bad).toMatchObject({
      kind: 'INVALID',
      message: '户类别必须是 未脱贫户、脱贫监测户 或 边缘户 之一',
    });
    const unknown = await refusal(changeCategory(deps(), `NOPE${town.suffix}`, 'MARGINAL', 'admin-test'));
    expect(unknown.kind).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(CHINESE);
  });

  it('completeTask by a cadre not assigned to the household is FORBIDDEN', async () => {
    const task = await stack.prisma.task.findFirstOrThrow({
      where: { householdId: household, kind: 'VISIT', status: 'OPEN' },
    });
    const error = await refusal(
      completeTask(deps(), {
        taskId: task.id,
        cadreId: town.cadres.assistance2,
        record: compliantRecord(town.cadres.assistance2, new Date().toISOString()),
      }),
    );
    expect(error).toMatchObject({ kind: 'FORBIDDEN', message: '只有该户的帮扶干部才能办理此任务' });
    const unknown = await refusal(
      completeTask(deps(), { taskId: 'no-such-task', cadreId: town.cadres.assistance }),
    );
    expect(unknown.kind).toBe('NOT_FOUND');
  });

  it('completeTask with a bad record is INVALID with the validator’s Chinese message, and writes nothing', async () => {
    const task = await stack.prisma.task.findFirstOrThrow({
      where: { householdId: household, kind: 'VISIT', status: 'OPEN' },
    });
    const cadre = task.assigneeId;
    const overCap = compliantRecord(cadre, new Date().toISOString(), {
      measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 50_000 }],
    });
    const error = await refusal(completeTask(deps(), { taskId: task.id, cadreId: cadre, record: overCap }));
    expect(error.kind).toBe('INVALID');
    expect(error.message).toMatch(CHINESE);
    expect(error.message).toMatch(/30000|30,000|3 万/);

    const noRecord = await refusal(completeTask(deps(), { taskId: task.id, cadreId: cadre }));
    expect(noRecord).toMatchObject({ kind: 'INVALID', message: '走访任务必须填写走访记录' });

    expect((await stack.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe('OPEN');
    expect(await stack.prisma.visitRecord.count({ where: { taskId: task.id } })).toBe(0);
  });

  it('completeTask records the visit through the workflow; a finding opens a follow-up', async () => {
    const task = await stack.prisma.task.findFirstOrThrow({
      where: { householdId: household, kind: 'VISIT', status: 'OPEN' },
    });
    const cadre = task.assigneeId;
    expect(cadre).toBe(town.cadres.assistance);
    const record = compliantRecord(cadre, new Date().toISOString());
    record.guarantees.water = { ok: false, note: '水窖干涸' };
    const result = await completeTask(deps(), { taskId: task.id, cadreId: cadre, record });
    expect(result.taskId).toBe(task.id);
    expect(result.openTasks.map((t) => t.id)).not.toContain(task.id);
    expect(result.followUpsOpened).toEqual([
      expect.objectContaining({ kind: 'FOLLOW_UP', findingKind: 'GUARANTEE_FAILED', findingItem: 'water' }),
    ]);

    const done = await stack.prisma.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(done).toMatchObject({ status: 'DONE', completedBy: cadre });
    const detail = await householdDetail(stack.prisma, household);
    expect(detail.visits).toHaveLength(1);
    expect(detail.visits[0]).toMatchObject({ compliant: false, perCapitaIncomeYuan: 6500 });
    expect(detail.followUps.map((f) => [f.findingItem, f.status])).toEqual([['water', 'OPEN']]);

    const twice = await refusal(completeTask(deps(), { taskId: task.id, cadreId: cadre, record }));
    expect(twice.kind).toBe('CONFLICT');
  });

  it('reassignHousehold gives the role to another cadre, who gets a handover visit', async () => {
    const result = await reassignHousehold(
      deps(),
      household,
      'ASSISTANCE',
      town.cadres.assistance2,
      '工作调动',
      'admin-test',
    );
    expect(result.cadres.assistance?.id).toBe(town.cadres.assistance2);
    expect(result.openTasks.filter((t) => t.kind === 'HANDOVER').map((t) => t.assigneeId)).toEqual([
      town.cadres.assistance2,
    ]);
    const current = await stack.prisma.assignment.findMany({
      where: { householdId: household, role: 'ASSISTANCE', to: null },
    });
    expect(current.map((a) => a.cadreId)).toEqual([town.cadres.assistance2]);

    const leaderAsAssistance = await refusal(
      reassignHousehold(deps(), household, 'ASSISTANCE', town.cadres.townshipHead, '调整', 'admin-test'),
    );
    expect(leaderAsAssistance.kind).toBe('INVALID');
    const noReason = await refusal(
      reassignHousehold(deps(), household, 'LEADER', town.cadres.townshipHead, ' ', 'admin-test'),
    );
    expect(noReason).toMatchObject({ kind: 'INVALID', message: '请填写原因' });
  });

  it('handOverCadre moves a leaving cadre’s whole list, then marks the cadre inactive', async () => {
    const result = await handOverCadre(
      deps(),
      town.cadres.assistance2,
      town.cadres.assistance,
      '退休',
      'admin-test',
      { deactivate: true },
    );
    expect(result.results).toEqual([
      {
        householdId: household,
        number: household,
        headName: '户主',
        role: 'ASSISTANCE',
        ok: true,
        message: null,
      },
    ]);
    expect(result).toMatchObject({ moved: 1, failed: 0, deactivated: true });
    const leaving = await stack.prisma.cadre.findUniqueOrThrow({ where: { id: town.cadres.assistance2 } });
    expect(leaving.active).toBe(false);
    const open = await stack.prisma.task.findMany({ where: { householdId: household, status: 'OPEN' } });
    expect(open.every((t) => t.assigneeId !== town.cadres.assistance2)).toBe(true);
    await town.activate();
  });

  it('a household without a running workflow: never started or ended → CONFLICT, gone → NOT_FOUND', async () => {
    const registered = await town.addHousehold();
    const notStarted = await refusal(changeCategory(deps(), registered, 'UNLIFTED', 'admin-test'));
    expect(notStarted).toMatchObject({ kind: 'CONFLICT', message: `户 ${registered} 尚未启动督战流程` });

    await stack.prisma.household.update({
      where: { id: registered },
      data: { workflowId: householdWorkflowId(registered) }, // recorded, but no such workflow
    });
    const gone = await refusal(changeCategory(deps(), registered, 'UNLIFTED', 'admin-test'));
    expect(gone).toMatchObject({ kind: 'NOT_FOUND', message: '该户的督战流程不存在或已经结束' });

    await stack.prisma.household.update({ where: { id: registered }, data: { status: 'CANCELLED' } });
    const ended = await refusal(changeCategory(deps(), registered, 'UNLIFTED', 'admin-test'));
    expect(ended).toMatchObject({ kind: 'CONFLICT', message: `户 ${registered} 已结束挂牌督战` });
    const shock = await declareShock(deps(), [registered], '洪灾', 'admin-test');
    expect(shock).toEqual({ signalled: [], unknown: [], notSupervised: [registered] });
  });

  it('declareShock signals each known household and reports the unknown ids', async () => {
    const result = await declareShock(
      deps(),
      [household, other, `NOPE${town.suffix}`, household],
      '疫情影响外出务工',
      'admin-test',
    );
    expect(result).toEqual({
      signalled: [household, other],
      unknown: [`NOPE${town.suffix}`],
      notSupervised: [],
      batchWorkflowId: expect.stringMatching(/^shock-/),
    });
    // One server-side workflow signals them in turn.
    const batch = await stack.temporal.workflow.getHandle(result.batchWorkflowId ?? '').result();
    expect(batch).toEqual({ signalled: 2, missed: [] });
    for (const id of [household, other]) {
      const row = await eventually(() =>
        stack.prisma.auditLog.findFirst({ where: { householdId: id, action: 'SHOCK_DECLARED' } }),
      );
      expect(row).toMatchObject({
        actor: 'admin-test',
        detail: expect.objectContaining({ reason: '疫情影响外出务工' }),
      });
    }
  });
});
