import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeInOneStatement } from '../../activities/task-completion.js';
import type { VisitRecord } from '../../policy/index.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { gate } from '../helpers/gate.js';
import { connectRealStack, type RealStack } from '../helpers/real-stack.js';
import { expectKeptCountsTrue, standingKept, standingTruth } from '../helpers/standing-truth.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

// The read model (HouseholdStanding, the kept counts) is refreshed once per household per
// transaction, when it commits (migration read_model_at_commit): a transition writes the task, its
// visit record and its escalations, then opens the next task, and the household is recomputed once,
// not once per table written. Against the real PostgreSQL.
describe('the read model, refreshed once per household when the writing transaction commits', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let serial = 0;

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
  });
  afterAll(async () => stack?.close());

  const openTaskRow = (householdId: string, dueAt: string) => {
    serial += 1;
    return {
      id: `${householdId}/at-commit-${serial}`,
      householdId,
      workflowId: `household-${householdId}`,
      kind: 'VISIT',
      assigneeId: town.cadres.assistance,
      openedAt: new Date('2030-01-01T00:00:00Z'),
      dueAt: new Date(dueAt),
      reason: '定期入户走访',
    };
  };

  /** An open visit task escalated to the village leader (rung 2: the household is at risk). */
  async function escalatedTask(householdId: string): Promise<string> {
    const task = openTaskRow(householdId, '2030-01-10T00:00:00Z');
    await stack.prisma.task.create({ data: task });
    await stack.prisma.escalation.create({
      data: {
        id: `${task.id}/rung/2`,
        taskId: task.id,
        rung: 2,
        rank: 'VILLAGE_LEADER',
        leaderId: town.cadres.villageLeader,
        openedAt: new Date('2030-01-11T00:00:00Z'),
      },
    });
    return task.id;
  }

  /** The visit's completion (task, visit record, escalations: one statement), then the next visit task. */
  async function transition(tx: Prisma.TransactionClient, householdId: string, taskId: string, at: string) {
    const input = compliantRecord(town.cadres.assistance, at);
    const record = { ...input, measures: input.measures ?? [], notes: input.notes ?? '' } as VisitRecord;
    await completeInOneStatement(tx, {
      taskId,
      byCadreId: town.cadres.assistance,
      at,
      visit: { record, compliant: true, policyVersion: '2026.2' },
    });
    await tx.task.create({ data: openTaskRow(householdId, '2030-02-12T00:00:00Z') });
  }

  const notesLeft = async () =>
    Number(
      (
        await stack.prisma.$queryRaw<
          [{ n: bigint }]
        >`SELECT (SELECT count(*) FROM read_model.refresh) + (SELECT count(*) FROM read_model.pending) AS n`
      )[0].n,
    );

  const calls = async (tx: Prisma.TransactionClient) => {
    const rows = await tx.$queryRaw<Array<{ name: string; calls: bigint }>>`
      SELECT p.proname AS name, pg_stat_get_xact_function_calls(p.oid) AS calls FROM pg_proc p
      WHERE p.proname IN ('refresh_household_standing_now', 'refresh_household_kept_counts_now',
        'refresh_read_model_at_commit')`;
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.calls)]));
  };

  it('a transition over three tables recomputes its household once, at commit, and leaves no note behind', async () => {
    const { prisma } = stack;
    const householdId = await town.addHousehold();
    const neighbour = await town.addHousehold();
    const taskId = await escalatedTask(householdId);
    const before = await standingKept(prisma, [householdId]);
    expect(before[0]).toMatchObject({ openTasks: 1, highestOpenRung: 2, riskReasons: 1 });

    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL track_functions = 'pl'`;
      await transition(tx, householdId, taskId, '2030-01-12T08:00:00.000Z');
      await tx.task.create({ data: openTaskRow(neighbour, '2030-01-20T00:00:00Z') });
      // Still the standing as committed: nothing was recomputed statement by statement.
      const inside = await tx.householdStanding.findUniqueOrThrow({ where: { householdId } });
      expect(inside.highestOpenRung).toBe(2);
      expect(await calls(tx)).toEqual({
        refresh_household_standing_now: 0,
        refresh_household_kept_counts_now: 0,
        refresh_read_model_at_commit: 0,
      });
      // What the commit does, run here so this transaction can count it: the deferred trigger fires
      // once, and both households' standing and kept counts are one refresh each.
      await tx.$executeRaw`SET CONSTRAINTS ALL IMMEDIATE`;
      expect(await calls(tx)).toEqual({
        refresh_household_standing_now: 1,
        refresh_household_kept_counts_now: 1,
        refresh_read_model_at_commit: 1,
      });
    });

    expect(await standingKept(prisma, [householdId, neighbour])).toEqual(
      await standingTruth(prisma, [householdId, neighbour]),
    );
    expect((await standingKept(prisma, [householdId]))[0]).toMatchObject({
      openTasks: 1,
      highestOpenRung: 0,
      riskReasons: 0,
      lastVisitCompliant: true,
    });
    await expectKeptCountsTrue(prisma, [householdId, neighbour]);
    expect(await notesLeft()).toBe(0);
  });

  it('a transaction rolled back leaves the read model and the notes as they were', async () => {
    const { prisma } = stack;
    const householdId = await town.addHousehold();
    const taskId = await escalatedTask(householdId);
    const before = await standingKept(prisma, [householdId]);
    await expect(
      prisma.$transaction(async (tx) => {
        await transition(tx, householdId, taskId, '2030-01-12T08:00:00.000Z');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await standingKept(prisma, [householdId])).toEqual(before);
    await expectKeptCountsTrue(prisma, [householdId]);
    expect(await notesLeft()).toBe(0);
  });

  it('two transactions writing one household at once: their commits meet on its standing, and the second computes from the first’s rows', async () => {
    const { prisma } = stack;
    const householdId = await town.addHousehold();
    const [first, second] = [await escalatedTask(householdId), await escalatedTask(householdId)];
    // A third session holds the household's standing row until both writers have reached their
    // commits, so the two refreshes contend for it (without the lock, each would compute from a
    // snapshot without the other's rows, and the counts would be moved twice from the same start).
    const { opened: released, open: release } = gate();
    const { opened: lockHeld, open: locked } = gate();
    const blocker = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "HouseholdStanding" WHERE "householdId" = ${householdId} FOR UPDATE`;
      locked();
      await released;
    });
    await lockHeld;
    let committed = 0;
    const run = (taskId: string, at: string) =>
      prisma
        .$transaction(async (tx) => transition(tx, householdId, taskId, at))
        .then(() => {
          committed += 1;
        });
    const writers = Promise.all([
      run(first, '2030-01-12T08:00:00.000Z'),
      run(second, '2030-01-13T08:00:00.000Z'),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(committed).toBe(0); // both at their commits, waiting for the standing row
    release();
    await Promise.all([blocker, writers]);

    expect(await standingKept(prisma, [householdId])).toEqual(await standingTruth(prisma, [householdId]));
    expect((await standingKept(prisma, [householdId]))[0]).toMatchObject({
      openTasks: 2,
      compliantStreak: 2,
    });
    await expectKeptCountsTrue(prisma, [householdId]);
  });

  it('the deferred trigger that refreshes at commit is in place', async () => {
    const rows = await stack.prisma.$queryRaw<Array<{ deferred: boolean }>>`
      SELECT tginitdeferred AS deferred FROM pg_trigger WHERE tgname = 'read_model_refresh_at_commit'`;
    expect(rows).toEqual([{ deferred: true }]);
  });
});
