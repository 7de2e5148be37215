import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { auditRowOf, type HouseholdChange, householdFieldsOf } from '../../activities/supervision.js';
import { gate } from '../helpers/gate.js';
import { connectRealStack, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

// A cancel and a write of its run's admission (the pairing, or the whole admission by an attempt the
// workflow gave up on: a local attempt past its timeout goes on running) meet on the household's row.
// Whichever commits second must see the other: here the cancel holds the row, uncommitted, while the
// write waits for it; once the cancel commits, the write refuses for good and writes nothing.
// Against the real PostgreSQL.
describe('a write of a cancelled run, waiting on the cancel that is committing, refuses it', () => {
  let stack: RealStack;
  let town: TownshipFixture;

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
  });
  afterAll(async () => stack?.close());

  const activities = () =>
    createActivities({
      prisma: stack.prisma,
      publicUrl: 'http://duzhan.test',
      smtpUrl: 'smtp://127.0.0.1:1',
      mailFrom: '督战系统 <duzhan@duzhan.test>',
      deliverMail: false,
    });

  /** The cancel's rows written in a transaction held open until `commit` is called. */
  async function cancelHeldOpen(householdId: string, pairingKey: string) {
    const change: HouseholdChange = {
      householdId,
      workflowId: `household-${householdId}`,
      key: `${pairingKey}/cancelled`,
      actor: 'admin',
      action: 'SUPERVISION_CANCELLED',
      status: 'CANCELLED',
      detail: { reason: 'OTHER', note: '' },
    };
    const { opened: held, open: commit } = gate();
    const { opened: written, open: wrote } = gate();
    const done = stack.prisma.$transaction(async (tx) => {
      await tx.household.update({ where: { id: householdId }, data: householdFieldsOf(change) });
      await tx.auditLog.create({ data: auditRowOf(change, new Date()) });
      wrote();
      await held;
    });
    await written;
    return { commit, done };
  }

  /** Settles `work` only after the cancel commits: it waited for the household's row. */
  async function refusedAfterCommit(
    work: Promise<unknown>,
    cancel: { commit: () => void; done: Promise<void> },
  ) {
    let settled = false;
    const outcome = work.then(
      () => 'written',
      (e: unknown) => e,
    );
    void outcome.finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(settled).toBe(false); // waiting for the household's row
    cancel.commit();
    await cancel.done;
    const error = await outcome;
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('SupervisionCancelled');
  }

  it('the pairing', async () => {
    const householdId = await town.addHousehold();
    const key = `household-${householdId}/run1`;
    const cancel = await cancelHeldOpen(householdId, key);
    await refusedAfterCommit(
      activities().assignCadres({ householdId, key, at: new Date().toISOString() }),
      cancel,
    );
    expect(await stack.prisma.assignment.count({ where: { householdId, role: 'LEADER' } })).toBe(0);
  });

  it('the whole admission of an attempt that outlived its timeout (its pairing made before the cancel)', async () => {
    const { prisma } = stack;
    const householdId = await town.addHousehold();
    const key = `household-${householdId}/run1`;
    const at = new Date().toISOString();
    await activities().assignCadres({ householdId, key, at }); // the attempt's pairing, before the cancel
    const cancel = await cancelHeldOpen(householdId, key);
    const task = {
      id: `${householdId}/t1`,
      householdId,
      workflowId: `household-${householdId}`,
      kind: 'VISIT' as const,
      openedAt: at,
      dueAt: at,
      reason: '定期入户走访',
    };
    const admission = activities().admitHousehold({
      pairing: { householdId, key, at },
      change: {
        householdId,
        workflowId: `household-${householdId}`,
        key: `${key}/admitted`,
        actor: 'workflow',
        action: 'SUPERVISION_STARTED',
        status: 'SUPERVISED',
        policyVersion: '2026.2',
        at,
      },
      notices: (['ASSISTANCE', 'LEADER'] as const).map((recipient) => ({
        key: `${key}/assigned/${recipient}`,
        kind: 'ASSIGNED' as const,
        recipient,
        householdId,
        role: recipient,
      })),
      firstTask: {
        task: { ...task, recipient: 'ASSISTANCE' },
        notice: {
          key: `${key}/opened/t1`,
          kind: 'TASK_OPENED' as const,
          recipient: 'ASSISTANCE',
          householdId,
          task: { id: task.id, kindLabel: '入户走访', reason: task.reason, dueAt: at },
        },
      },
    });
    await refusedAfterCommit(admission, cancel);
    const household = await prisma.household.findUniqueOrThrow({ where: { id: householdId } });
    expect(household.status).toBe('CANCELLED');
    expect(await prisma.task.count({ where: { householdId } })).toBe(0);
    expect(await prisma.notification.count({ where: { householdId } })).toBe(0);
    expect(
      (await prisma.auditLog.findMany({ where: { householdId }, select: { action: true } })).map(
        (r) => r.action,
      ),
    ).toEqual(['SUPERVISION_CANCELLED']);
  });
});
