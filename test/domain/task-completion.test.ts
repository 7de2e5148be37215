import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeInOneStatement } from '../../activities/task-completion.js';
import { type CompleteTaskInput, createTaskActivities } from '../../activities/tasks.js';
import type { VisitRecord } from '../../policy/index.js';
import { gate } from '../helpers/gate.js';
import { connectRealStack, type RealStack } from '../helpers/real-stack.js';
import { expectKeptCountsTrue, standingKept, standingTruth } from '../helpers/standing-truth.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

// The completeTask activity (one SQL statement, activities/task-completion.ts) against the real
// PostgreSQL: what it writes, that a retry or a second completion at once writes nothing twice,
// and the failures the workflow must not retry.
describe('completeTask, one statement', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let householdId: string;
  let serial = 0;

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    householdId = await town.addHousehold();
  });
  afterAll(async () => stack?.close());

  const activities = () => createTaskActivities(stack.prisma);

  async function openTask(escalations: Array<{ leaderId: string; closedAt?: Date }> = []): Promise<string> {
    serial += 1;
    const id = `${householdId}/completion-${serial}`;
    await stack.prisma.task.create({
      data: {
        id,
        householdId,
        workflowId: `household-${householdId}`,
        kind: 'VISIT',
        assigneeId: town.cadres.assistance,
        openedAt: new Date('2030-01-01T00:00:00Z'),
        dueAt: new Date('2030-01-10T00:00:00Z'),
        reason: '定期入户走访',
      },
    });
    for (const [i, e] of escalations.entries())
      await stack.prisma.escalation.create({
        data: {
          id: `${id}/rung/${i + 1}`,
          taskId: id,
          rung: i + 1,
          rank: i === 0 ? 'ASSIGNED' : 'VILLAGE_LEADER',
          leaderId: e.leaderId,
          openedAt: new Date('2030-01-11T00:00:00Z'),
          closedAt: e.closedAt ?? null,
        },
      });
    return id;
  }

  function visit(overrides: Partial<VisitRecord> = {}): NonNullable<CompleteTaskInput['visit']> {
    const input = compliantRecord(town.cadres.assistance, '2030-01-12T03:04:05.678Z', {
      measures: [
        { kind: 'INDUSTRY_SUBSIDY', amountYuan: 1000.5 },
        { kind: 'DIBAO', amountYuan: 300, persons: 2 },
      ],
      guarantees: {
        food: { ok: true },
        clothing: { ok: true },
        education: { ok: true },
        medical: { ok: true, note: '已办理慢病卡' },
        housing: { ok: true },
        water: { ok: true },
      },
    });
    const record = { ...input, measures: input.measures ?? [], largeCosts: [], notes: input.notes ?? '' };
    return { record: { ...record, ...overrides } as VisitRecord, compliant: true, policyVersion: '2026.2' };
  }

  const complete = (taskId: string, at: string, v?: NonNullable<CompleteTaskInput['visit']>) =>
    activities().completeTask({ taskId, byCadreId: town.cadres.assistance, at, visit: v });

  async function written(taskId: string) {
    const { prisma } = stack;
    return {
      task: await prisma.task.findUniqueOrThrow({ where: { id: taskId } }),
      visits: await prisma.visitRecord.findMany({
        where: { taskId },
        include: { measures: { orderBy: { id: 'asc' } } },
      }),
      escalations: await prisma.escalation.findMany({ where: { taskId }, orderBy: { rung: 'asc' } }),
    };
  }

  async function failure(work: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  it('records the visit and its measures, marks the task done, closes only the open escalations, names each leader once', async () => {
    const earlier = new Date('2030-01-11T12:00:00Z');
    const taskId = await openTask([
      { leaderId: town.cadres.assistance },
      { leaderId: town.cadres.villageLeader, closedAt: earlier },
      { leaderId: town.cadres.villageLeader },
    ]);
    const at = '2030-01-12T08:00:00.000Z';
    expect(await complete(taskId, at, visit())).toEqual([town.cadres.assistance, town.cadres.villageLeader]);

    const { task, visits, escalations } = await written(taskId);
    expect(task).toMatchObject({
      status: 'DONE',
      completedAt: new Date(at),
      completedBy: town.cadres.assistance,
    });
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({
      id: `${taskId}/visit`,
      householdId,
      cadreId: town.cadres.assistance,
      visitedAt: new Date('2030-01-12T03:04:05.678Z'),
      medicalOk: true,
      guaranteeNotes: { medical: '已办理慢病卡' },
      largeCosts: [],
      notes: '家中情况稳定',
      compliant: true,
      policyVersion: '2026.2',
    });
    expect(visits[0]?.perCapitaIncomeYuan.toString()).toBe('6500');
    expect(
      visits[0]?.measures.map((m) => ({
        id: m.id,
        kind: m.kind,
        amount: m.amountYuan.toFixed(2),
        persons: m.persons,
      })),
    ).toEqual([
      { id: `${taskId}/visit/m0`, kind: 'INDUSTRY_SUBSIDY', amount: '1000.50', persons: 1 },
      { id: `${taskId}/visit/m1`, kind: 'DIBAO', amount: '300.00', persons: 2 },
    ]);
    expect(escalations.map((e) => e.closedAt)).toEqual([new Date(at), earlier, new Date(at)]);

    // The kept counts' triggers fired for the statement's writes.
    expect(await standingKept(stack.prisma, [householdId])).toEqual(
      await standingTruth(stack.prisma, [householdId]),
    );
    await expectKeptCountsTrue(stack.prisma, [householdId]);
  });

  it('a retry after a commit whose answer was lost answers the same and writes nothing again', async () => {
    const taskId = await openTask([
      { leaderId: town.cadres.assistance },
      { leaderId: town.cadres.villageLeader },
    ]);
    const first = await complete(taskId, '2030-01-12T08:00:00.000Z', visit());
    const before = await written(taskId);
    const retried = await complete(taskId, '2030-01-13T09:00:00.000Z', visit({ perCapitaIncomeYuan: 9999 }));
    expect(retried).toEqual(first);
    expect(await written(taskId)).toEqual(before);
  });

  it('a second completion while the first is uncommitted waits for it, then writes nothing', async () => {
    const taskId = await openTask([{ leaderId: town.cadres.villageLeader }]);
    const input = (at: string, v: NonNullable<CompleteTaskInput['visit']>) => ({
      taskId,
      byCadreId: town.cadres.assistance,
      at,
      visit: v,
    });
    // The first completion's statement has run in a transaction held open until `commit`.
    const { opened: held, open: commit } = gate();
    const { opened: ran, open: applied } = gate();
    const first = stack.prisma.$transaction(async (tx) => {
      const completion = await completeInOneStatement(tx, input('2030-01-12T08:00:00.000Z', visit()));
      applied();
      await held;
      return completion.leaders;
    });
    await ran;
    let secondSettled = false;
    const second = complete(taskId, '2030-01-12T08:00:01.000Z', visit({ perCapitaIncomeYuan: 7000 })).finally(
      () => {
        secondSettled = true;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondSettled).toBe(false); // waiting for the task's row
    commit();
    expect(await Promise.all([first, second])).toEqual([
      [town.cadres.villageLeader],
      [town.cadres.villageLeader],
    ]);
    const { task, visits } = await written(taskId);
    expect(task.completedAt).toEqual(new Date('2030-01-12T08:00:00.000Z'));
    expect(visits).toHaveLength(1);
    expect(visits[0]?.perCapitaIncomeYuan.toString()).toBe('6500');
    expect(visits[0]?.measures).toHaveLength(2);
  });

  it('without a visit (a handover, an identification step): done, escalations closed, no record', async () => {
    const taskId = await openTask([{ leaderId: town.cadres.assistance }]);
    expect(await complete(taskId, '2030-01-12T08:00:00.000Z')).toEqual([town.cadres.assistance]);
    const { task, visits, escalations } = await written(taskId);
    expect(task.status).toBe('DONE');
    expect(visits).toEqual([]);
    expect(escalations[0]?.closedAt).toEqual(new Date('2030-01-12T08:00:00.000Z'));
  });

  it('a task that does not exist: NotFound, not retried', async () => {
    const error = await failure(complete(`${householdId}/no-such-task`, '2030-01-12T08:00:00.000Z', visit()));
    expect(error.type).toBe('NotFound');
    expect(error.nonRetryable).toBe(true);
  });

  it('what PostgreSQL cannot store (a Decimal(12,2) overflow, a NUL in text or JSON): UnstorableRecord, not retried, nothing written', async () => {
    const taskId = await openTask([{ leaderId: town.cadres.assistance }]);
    const nul = '甲\u0000乙';
    const unstorable = [
      visit({ perCapitaIncomeYuan: 1e12 }),
      visit({ measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 1e11, persons: 1 }] }),
      visit({ notes: nul }),
      visit({ guarantees: { ...visit().record.guarantees, food: { ok: true, note: nul } } }),
    ];
    for (const v of unstorable) {
      const error = await failure(complete(taskId, '2030-01-12T08:00:00.000Z', v));
      expect(error.type).toBe('UnstorableRecord');
      expect(error.nonRetryable).toBe(true);
    }
    const { task, visits, escalations } = await written(taskId);
    expect(task.status).toBe('OPEN');
    expect(visits).toEqual([]);
    expect(escalations[0]?.closedAt).toBeNull();
  });

  it('with evidence: its location is stored with the visit, in the same completion, once', async () => {
    const taskId = await openTask();
    const location = { latitude: 30.1, longitude: 110.2, accuracyMeters: 15 };
    const withEvidence = visit({ evidence: { photos: [], location } });
    await complete(taskId, '2030-01-12T08:00:00.000Z', withEvidence);
    await complete(taskId, '2030-01-12T08:00:00.000Z', withEvidence);
    expect(await stack.prisma.visitLocation.findMany({ where: { visitId: `${taskId}/visit` } })).toEqual([
      expect.objectContaining({ ...location, householdId, farFromHome: false }),
    ]);
    // A refused record stores no evidence either.
    const refused = await openTask();
    await failure(
      complete(
        refused,
        '2030-01-12T08:00:00.000Z',
        visit({ notes: '\u0000', evidence: { photos: [], location } }),
      ),
    );
    expect(await stack.prisma.visitLocation.count({ where: { visitId: `${refused}/visit` } })).toBe(0);
    // Evidence that cannot be stored takes the completion back with it: one transaction.
    const badEvidence = await openTask();
    const error = await failure(
      complete(
        badEvidence,
        '2030-01-12T08:00:00.000Z',
        visit({ evidence: { photos: [], locationMissingReason: '定位\u0000失败' } }),
      ),
    );
    expect(error.type).toBe('UnstorableRecord');
    const { task, visits } = await written(badEvidence);
    expect(task.status).toBe('OPEN');
    expect(visits).toEqual([]);
  });
});
