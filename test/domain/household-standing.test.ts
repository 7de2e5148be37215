import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_OF_ACTION } from '../../domain/queries/charts.js';
import { type ExitProgressRow, supervisionBoard } from '../../domain/queries/index.js';
import { ACTIVE_STATUSES, HOUSEHOLD_STATUSES } from '../../policy/vocabulary.js';
import { connectRealStack, type RealStack } from '../helpers/real-stack.js';
import {
  expectChartCountsTrue,
  expectKeptCountsTrue,
  standingKept,
  standingTruth,
} from '../helpers/standing-truth.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

// HouseholdStanding, HouseholdStateChange and HouseholdCountDelta (prisma/migrations/*_household_standing),
// HouseholdKeptCount and KeptCount (*_board_counts) are written by triggers only. Each kind of write below goes through its own trigger;
// after each one the kept rows must equal the truth recomputed from scratch, so a dropped or
// broken trigger leaves a row stale and fails the step that needed it.
describe('HouseholdStanding kept by triggers, write by write', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let h: string;
  let other: string;
  const DAY = 86_400_000;
  const at = (iso: string) => new Date(iso);

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    h = await town.addHousehold({ category: 'MONITORED' });
    other = await town.addHousehold({ category: 'UNLIFTED' });
  });
  afterAll(async () => stack?.close());

  async function expectKeptEqualsTruth() {
    expect(await standingKept(stack.prisma, [h, other])).toEqual(
      await standingTruth(stack.prisma, [h, other]),
    );
    await expectKeptCountsTrue(stack.prisma, [h, other]);
  }

  /** The chart's counts for the village equal the interval query's at each instant (every event's own). */
  async function expectChartEqualsTruth() {
    const events = await stack.prisma.auditLog.findMany({
      where: { householdId: { in: [h, other] } },
      select: { at: true },
    });
    const households = await stack.prisma.household.findMany({
      where: { id: { in: [h, other] } },
      select: { createdAt: true },
    });
    const instants = [...events.map((e) => e.at), ...households.map((x) => x.createdAt)].flatMap((t) => [
      new Date(t.getTime() - 1),
      t,
      new Date(t.getTime() + 1),
      new Date(t.getTime() + DAY),
    ]);
    await expectChartCountsTrue(stack.prisma, town.villageId, instants);
  }

  it('a household gets its row when it is registered', async () => {
    const kept = await standingKept(stack.prisma, [h]);
    expect(kept[0]).toMatchObject({ status: 'REGISTERED', underSupervision: true, openTasks: 0 });
    await expectKeptEqualsTruth();
  });

  it('tasks: opened, escalated, closed, done (Task and Escalation triggers)', async () => {
    const { prisma } = stack;
    const task = (id: string, kind: string, dueAt: string) =>
      prisma.task.create({
        data: {
          id: `${h}/${id}`,
          householdId: h,
          workflowId: `household-${h}`,
          kind,
          assigneeId: town.cadres.assistance,
          openedAt: at('2030-01-01T00:00:00Z'),
          dueAt: at(dueAt),
          reason: '定期入户走访',
        },
      });
    await task('visit-1', 'VISIT', '2030-01-10T00:00:00Z');
    await task('follow-up-1', 'FOLLOW_UP', '2030-01-05T00:00:00Z');
    expect((await standingKept(prisma, [h]))[0]).toMatchObject({
      openTasks: 2,
      openFollowUps: 1,
      earliestOpenDueAt: '2030-01-05T00:00:00.000Z',
      riskReasons: 1,
    });
    await expectKeptEqualsTruth();

    for (const rung of [1, 2])
      await prisma.escalation.create({
        data: {
          id: `${h}/visit-1/rung/${rung}`,
          taskId: `${h}/visit-1`,
          rung,
          rank: rung === 1 ? 'ASSIGNED' : 'VILLAGE_LEADER',
          leaderId: rung === 1 ? town.cadres.assistance : town.cadres.villageLeader,
          openedAt: at('2030-01-12T00:00:00Z'),
        },
      });
    expect((await standingKept(prisma, [h]))[0]).toMatchObject({ highestOpenRung: 2, riskReasons: 2 });
    await expectKeptEqualsTruth();

    await prisma.escalation.update({
      where: { id: `${h}/visit-1/rung/2` },
      data: { closedAt: at('2030-01-13T00:00:00Z') },
    });
    expect((await standingKept(prisma, [h]))[0]).toMatchObject({ highestOpenRung: 1 });
    await expectKeptEqualsTruth();

    await prisma.task.update({
      where: { id: `${h}/follow-up-1` },
      data: { status: 'DONE', completedAt: at('2030-01-14T00:00:00Z') },
    });
    expect((await standingKept(prisma, [h]))[0]).toMatchObject({ openFollowUps: 0, openTasks: 1 });
    await expectKeptEqualsTruth();

    // What the board's, the report's and the charts' kept counts follow beyond the standing: a
    // reassignment, a new rung on the task, a due date moved, an escalation handed to another leader,
    // and rows deleted.
    await prisma.task.update({
      where: { id: `${h}/visit-1` },
      data: { assigneeId: town.cadres.villageLeader },
    });
    await expectKeptEqualsTruth();
    await prisma.task.update({ where: { id: `${h}/visit-1` }, data: { rung: 2 } });
    await expectKeptEqualsTruth();
    await prisma.task.update({ where: { id: `${h}/visit-1` }, data: { dueAt: at('2030-01-11T07:30:00Z') } });
    await expectKeptEqualsTruth();
    await prisma.escalation.update({
      where: { id: `${h}/visit-1/rung/1` },
      data: { leaderId: town.cadres.villageLeader },
    });
    await expectKeptEqualsTruth();
    await task('visit-spare', 'VISIT', '2030-01-30T00:00:00Z');
    await prisma.escalation.create({
      data: {
        id: `${h}/visit-spare/rung/1`,
        taskId: `${h}/visit-spare`,
        rung: 1,
        rank: 'ASSIGNED',
        leaderId: town.cadres.assistance,
        openedAt: at('2030-01-31T00:00:00Z'),
      },
    });
    await expectKeptEqualsTruth();
    await prisma.escalation.delete({ where: { id: `${h}/visit-spare/rung/1` } });
    await prisma.task.delete({ where: { id: `${h}/visit-spare` } });
    await expectKeptEqualsTruth();
  });

  it('visits: compliant visits in a row, the latest one, a miss (VisitRecord trigger)', async () => {
    const { prisma } = stack;
    const visit = async (n: number, visitedAt: string, compliant: boolean, income: number) => {
      const taskId = `${h}/visit-done-${n}`;
      await prisma.task.create({
        data: {
          id: taskId,
          householdId: h,
          workflowId: `household-${h}`,
          kind: 'VISIT',
          assigneeId: town.cadres.assistance,
          openedAt: at(visitedAt),
          dueAt: at(visitedAt),
          status: 'DONE',
          completedAt: at(visitedAt),
          reason: '定期入户走访',
        },
      });
      await prisma.visitRecord.create({
        data: {
          id: `${taskId}/record`,
          taskId,
          householdId: h,
          cadreId: town.cadres.assistance,
          visitedAt: at(visitedAt),
          perCapitaIncomeYuan: income,
          foodOk: true,
          clothingOk: true,
          educationOk: true,
          medicalOk: true,
          housingOk: true,
          waterOk: compliant,
          guaranteeNotes: {},
          largeCosts: [],
          compliant,
          policyVersion: '2024.1',
        },
      });
    };
    await visit(1, '2030-01-02T00:00:00Z', true, 5000);
    await visit(2, '2030-02-02T00:00:00Z', false, 3500);
    expect((await standingKept(prisma, [h]))[0]).toMatchObject({
      lastVisitCompliant: false,
      compliantStreak: 0,
      lastIncomeYuan: '3500.00',
    });
    await visit(3, '2030-03-02T00:00:00Z', true, 5200);
    await visit(4, '2030-04-02T00:00:00Z', true, 5400);
    expect((await standingKept(prisma, [h]))[0]).toMatchObject({
      lastVisitAt: '2030-04-02T00:00:00.000Z',
      lastVisitCompliant: true,
      compliantStreak: 2,
    });
    await expectKeptEqualsTruth();

    // A correction of a record (an admin's, or a bulk repair) counts too.
    await prisma.visitRecord.update({
      where: { id: `${h}/visit-done-3/record` },
      data: { compliant: false },
    });
    expect((await standingKept(prisma, [h]))[0]).toMatchObject({ compliantStreak: 1 });
    await expectKeptEqualsTruth();
  });

  it('stable exits: decided, moved to another day, rolled back, removed (ExitAssessment trigger)', async () => {
    const { prisma } = stack;
    const exit = (id: string, householdId: string, decidedAt: string) =>
      prisma.exitAssessment.create({
        data: {
          id,
          householdId,
          workflowId: `household-${householdId}`,
          criteria: [],
          decision: 'STABLY_OUT',
          steps: [],
          decidedAt: at(decidedAt),
        },
      });
    await exit(`${h}/exit-1`, h, '2030-05-01T03:00:00Z');
    await exit(`${other}/exit-1`, other, '2030-05-01T23:59:59.999Z');
    await expectKeptEqualsTruth();
    await prisma.exitAssessment.update({
      where: { id: `${other}/exit-1` },
      data: { decidedAt: at('2030-05-02T00:00:00Z') },
    });
    await expectKeptEqualsTruth();
    await prisma.exitAssessment.update({
      where: { id: `${other}/exit-1` },
      data: { decision: 'ROLLED_BACK' },
    });
    await expectKeptEqualsTruth();
    await prisma.exitAssessment.update({
      where: { id: `${other}/exit-1` },
      data: { decision: 'STABLY_OUT' },
    });
    await expectKeptEqualsTruth();
    await prisma.exitAssessment.delete({ where: { id: `${other}/exit-1` } });
    await expectKeptEqualsTruth();
    // h's exit stays: the household's move to another village (below) moves it too.
  });

  it('the household, its village and its audit rows (Household, Village and AuditLog triggers)', async () => {
    const { prisma } = stack;
    await prisma.household.update({ where: { id: h }, data: { createdAt: at('2029-12-01T00:00:00Z') } });
    await prisma.household.update({ where: { id: other }, data: { createdAt: at('2029-12-15T00:00:00Z') } });
    await expectChartEqualsTruth();

    const audit = (householdId: string, action: string, when: string, detail: object = {}) =>
      prisma.auditLog.create({ data: { at: at(when), actor: 'workflow', action, householdId, detail } });
    await audit(h, 'SUPERVISION_STARTED', '2029-12-02T00:00:00Z');
    await prisma.household.update({ where: { id: h }, data: { status: 'SUPERVISED' } });
    await audit(h, 'PAUSED', '2030-01-20T06:00:00Z');
    await audit(h, 'RESUMED', '2030-02-20T06:00:00Z');
    await audit(h, 'CATEGORY_CHANGED', '2030-03-01T00:00:00Z', { from: 'MONITORED', to: 'UNLIFTED' });
    await prisma.household.update({ where: { id: h }, data: { category: 'UNLIFTED' } });
    // Two rows at one instant: the later id wins, as in the audit log's own order.
    await audit(other, 'SUPERVISION_STARTED', '2030-01-01T00:00:00Z');
    await audit(other, 'PAUSED', '2030-01-01T00:00:00Z');
    await expectChartEqualsTruth();
    await expectKeptEqualsTruth();

    await prisma.household.update({ where: { id: other }, data: { status: 'CANCELLED' } });
    await audit(other, 'SUPERVISION_CANCELLED', '2030-03-10T00:00:00Z', { reason: '迁出' });
    expect((await standingKept(prisma, [other]))[0]).toMatchObject({
      status: 'CANCELLED',
      underSupervision: false,
      riskOrder: 0,
    });
    await expectChartEqualsTruth();
    await expectKeptEqualsTruth();

    await prisma.village.update({ where: { id: town.villageId }, data: { name: `改名村${town.suffix}` } });
    expect((await standingKept(prisma, [h]))[0]?.villageName).toBe(`改名村${town.suffix}`);
    await expectKeptEqualsTruth();

    // Moved to another village and back: every count it is in moves with it.
    const elsewhere = `${town.villageId}-b`;
    await prisma.village.create({ data: { id: elsewhere, name: `邻村${town.suffix}`, isPoor: false } });
    await prisma.household.update({ where: { id: h }, data: { villageId: elsewhere } });
    await expectKeptEqualsTruth();
    await prisma.household.update({ where: { id: h }, data: { villageId: town.villageId } });
    await expectKeptEqualsTruth();
  });

  it('the board lists from the kept rows: at risk, and progress toward a stable exit', async () => {
    const board = await supervisionBoard(stack.prisma, {
      now: at('2030-04-03T00:00:00Z'),
      pages: { householdsAtRisk: { limit: 200 }, progress: { limit: 200 } },
    });
    // Both lists are keyed pages of the whole township; this town's household is somewhere in them.
    const seen = async (list: 'householdsAtRisk' | 'progress') => {
      let cursor: string | undefined;
      for (let guard = 0; guard < 100; guard += 1) {
        const b =
          cursor === undefined
            ? board
            : await supervisionBoard(stack.prisma, {
                now: at('2030-04-03T00:00:00Z'),
                pages: { [list]: { limit: 200, cursor } },
              });
        const rows = list === 'progress' ? b.progress.households : b.householdsAtRisk;
        const mine = rows.find((r) => r.household.id === h);
        if (mine) return mine;
        const next = list === 'progress' ? b.pages.progress.nextCursor : b.pages.householdsAtRisk.nextCursor;
        if (!next) return undefined;
        cursor = next;
      }
      return undefined;
    };
    expect(await seen('householdsAtRisk')).toBeUndefined(); // its follow-up done, the last visit compliant, rung 1
    const progress = (await seen('progress')) as ExitProgressRow | undefined;
    expect(progress?.consecutiveCompliantVisits).toBe(1);
    expect(progress?.remaining).toBe((progress?.minCompliantVisits ?? 0) - 1);
  });

  it('holds the SQL rules equal to the TypeScript ones (status of an audit action, under supervision)', async () => {
    const { prisma } = stack;
    for (const [action, status] of Object.entries(STATUS_OF_ACTION)) {
      const [row] = await prisma.$queryRaw<Array<{ s: string | null }>>`
        SELECT status_of_action_household_standing(${action}) AS s`;
      expect(row?.s, action).toBe(status);
    }
    const [none] = await prisma.$queryRaw<Array<{ s: string | null }>>`
      SELECT status_of_action_household_standing('FACTS_UPDATED') AS s`;
    expect(none?.s).toBeNull();

    const probe = await town.addHousehold();
    for (const status of HOUSEHOLD_STATUSES) {
      await prisma.household.update({ where: { id: probe }, data: { status } });
      const [kept] = await standingKept(prisma, [probe]);
      expect(kept?.underSupervision, status).toBe((ACTIVE_STATUSES as readonly string[]).includes(status));
    }
  });

  it('every trigger of the kept counts is in place', async () => {
    const rows = await stack.prisma.$queryRaw<Array<{ name: string }>>`
      SELECT tgname AS name FROM pg_trigger WHERE tgname LIKE '%\_kept\_counts' ORDER BY 1`;
    expect(rows.map((r) => r.name)).toEqual(
      [
        'escalation_delete',
        'escalation_insert',
        'escalation_update',
        'exit_assessment_delete',
        'exit_assessment_insert',
        'exit_assessment_update',
        'household_delete',
        'household_insert',
        'household_update',
        'task_delete',
        'task_insert',
        'task_update',
        'visit_record_delete',
        'visit_record_insert',
        'visit_record_update',
      ].map((t) => `${t}_kept_counts`),
    );
  });

  it('every trigger is in place', async () => {
    const rows = await stack.prisma.$queryRaw<Array<{ name: string }>>`
      SELECT tgname AS name FROM pg_trigger WHERE tgname LIKE '%\_household\_standing' ORDER BY 1`;
    expect(rows.map((r) => r.name)).toEqual(
      [
        'audit_log_delete',
        'audit_log_insert',
        'audit_log_update',
        'escalation_delete',
        'escalation_insert',
        'escalation_update',
        'household_insert',
        'household_update',
        'task_delete',
        'task_insert',
        'task_update',
        'village_update',
        'visit_record_delete',
        'visit_record_insert',
        'visit_record_update',
      ].map((t) => `${t}_household_standing`),
    );
  });
});
