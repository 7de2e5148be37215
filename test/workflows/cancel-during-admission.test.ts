import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { cancelSupervision } from '../../domain/actions/supervision-actions.js';
import { startSupervision } from '../../domain/supervision.js';
import { DEFAULT_POLICY } from '../../policy/index.js';
import { workflowBundle } from '../../worker/worker.js';
import {
  cancelSupervisionSignal,
  cancelUpdate,
  householdWorkflowId,
  stateQuery,
} from '../../workflows/household/definitions.js';
import { PATCHES } from '../../workflows/household/patches.js';
import { householdWorkflow } from '../../workflows/household/workflow.js';
import { recordHistory } from '../helpers/history-recorder.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';
import { expectKeptCountsTrue, standingKept, standingTruth } from '../helpers/standing-truth.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

const { EventType } = temporal.api.enums.v1;

/**
 * The pairing's wait retries every 1, 2, 4 … s (5 minutes at most), for as long as the village has no
 * 帮扶责任人: these tests never add one before the cancel has answered, so a cancel that waited for the
 * pairing would never answer. It must answer within this (a round trip or two through the server).
 */
const PROMPTLY_MS = 5_000;

/** `work`, or a failure saying what waited, once `ms` have passed. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function eventTypes(handle: WorkflowHandle) {
  return ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
}

/** The ids of the history's patch markers, in order. */
async function patchMarkers(handle: WorkflowHandle) {
  return ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
    const a = e.markerRecordedEventAttributes;
    const data = a?.details?.['patch-data']?.payloads?.[0]?.data;
    return a?.markerName === 'core_patch' && data
      ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id]
      : [];
  });
}

// The real dev server and PostgreSQL, and a worker whose remote `assignCadres` can be held mid-attempt
// (the first try's pairing, inside the local admitHousehold, is never held).
describe('a cancel while the admission waits for its pairing ends the wait: cancelled, never admitted', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  /** Armed by a test: the next remote attempt of the pairing says it has begun, then waits for release. */
  let hold: { begun: () => void; release: Promise<void> } | undefined;
  /** Set by a test: the next cancel's write is refused for good (as when its household row is gone). */
  let refuseNextCancel = false;

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
    const activities = createActivities({
      prisma: stack.prisma,
      publicUrl: 'http://duzhan.test',
      smtpUrl: 'smtp://127.0.0.1:1',
      mailFrom: '督战系统 <duzhan@duzhan.test>',
      deliverMail: false,
    });
    connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await Worker.create({
      connection,
      taskQueue: stack.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: {
        ...activities,
        async assignCadres(input: Parameters<typeof activities.assignCadres>[0]) {
          const held = hold;
          if (held && !Context.current().info.isLocal) {
            hold = undefined;
            held.begun();
            await held.release;
          }
          return activities.assignCadres(input);
        },
        async endSupervision(input: Parameters<typeof activities.endSupervision>[0]) {
          if (refuseNextCancel) {
            refuseNextCancel = false;
            throw ApplicationFailure.nonRetryable('该户不存在', 'NotFound');
          }
          return activities.endSupervision(input);
        },
      },
    });
    running = worker.run();
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection?.close();
    await stack?.close();
  });

  /**
   * A household in a village of its own with no 帮扶责任人 (its pairing cannot be made), started as
   * startSupervision does, or with a workflow task timeout of its own.
   */
  async function householdOfEmptyVillage(options: { workflowTaskTimeout?: string } = {}) {
    const { householdId, villageId } = await town.addHouseholdInVillageWithoutCadre();
    const workflowId = householdWorkflowId(householdId);
    if (options.workflowTaskTimeout) {
      await stack.temporal.workflow.start(householdWorkflow, {
        workflowId,
        taskQueue: stack.taskQueue,
        args: [{ householdId, policy: DEFAULT_POLICY }],
        workflowTaskTimeout: options.workflowTaskTimeout,
      });
      await stack.prisma.household.update({ where: { id: householdId }, data: { workflowId } });
    } else expect(await startSupervision(stack, householdId)).toBe(true);
    const handle = stack.temporal.workflow.getHandle<typeof householdWorkflow>(workflowId);
    return { householdId, villageId, handle };
  }

  /** The first try's local attempts have failed: the pairing waits as an activity task. */
  const waitingForPairing = (handle: WorkflowHandle) =>
    eventually(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.flatMap((e) =>
        e.activityTaskScheduledEventAttributes
          ? [e.activityTaskScheduledEventAttributes.activityType?.name]
          : [],
      );
      return scheduled.length > 0 ? scheduled : undefined;
    }, 30_000);

  const addAssistanceCadre = (villageId: string) =>
    stack.prisma.cadre.create({
      data: {
        id: `assist-${villageId}`,
        name: '陈新任',
        email: `assist-${villageId}@duzhan.example`,
        rank: 'ASSISTANCE_CADRE',
        villages: { connect: [{ id: villageId }] },
      },
    });

  /** What the ledger holds of the household: cancelled, its one audit row, nothing of an admission. */
  async function expectCancelledUnadmitted(householdId: string, note: string) {
    const { prisma } = stack;
    expect((await prisma.household.findUniqueOrThrow({ where: { id: householdId } })).status).toBe(
      'CANCELLED',
    );
    const audit = await prisma.auditLog.findMany({
      where: { householdId },
      select: { action: true, detail: true },
    });
    expect(audit).toEqual([{ action: 'SUPERVISION_CANCELLED', detail: { reason: 'OTHER', note } }]);
    expect(await prisma.task.count({ where: { householdId } })).toBe(0);
    expect(await prisma.notification.count({ where: { householdId } })).toBe(0);
    expect(await prisma.assignment.count({ where: { householdId, to: null } })).toBe(0);
    // The board's standing and kept counts follow: no longer under supervision.
    expect(await standingKept(prisma, [householdId])).toEqual(await standingTruth(prisma, [householdId]));
    expect((await standingKept(prisma, [householdId]))[0]).toMatchObject({
      status: 'CANCELLED',
      underSupervision: false,
    });
    await expectKeptCountsTrue(prisma, [householdId]);
  }

  it('the cancel update answers at once, the workflow completes CANCELLED, and a cadre added afterwards changes nothing', {
    timeout: 90_000,
  }, async () => {
    const { householdId, villageId, handle } = await householdOfEmptyVillage();
    expect(await waitingForPairing(handle)).toEqual(['assignCadres']);
    expect((await handle.query(stateQuery)).status).toBe('ADMITTING');

    const note = '误纳入其他村';
    const answer = await within(
      PROMPTLY_MS,
      'the cancel',
      cancelSupervision(stack, householdId, { reason: 'OTHER', note }, 'admin'),
    );
    expect(answer.status).toBe('CANCELLED');
    expect(answer.openTasks).toEqual([]);
    expect(answer.cadres).toEqual({ assistance: null, leader: null });
    // Complete, before any cadre was added.
    const final = await within(PROMPTLY_MS, 'the workflow', handle.result());
    expect(final.status).toBe('CANCELLED');
    expect(final.cancelReason).toBe(`OTHER：${note}`);
    await expectCancelledUnadmitted(householdId, note);
    expect(await stack.prisma.assignment.count({ where: { householdId } })).toBe(0);

    // The wait was cancelled (not waited out), under the new patch, its marker the run's only one
    // beside its generation's; the activity ended as cancelled.
    const types = await eventTypes(handle);
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
    expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    const markers = await patchMarkers(handle);
    expect(markers.filter((id) => !id.startsWith('household-generation-'))).toEqual([
      PATCHES.cancelEndsPairingWait,
    ]);

    // A cadre added to the village now: the pairing is not retried, nothing is written.
    const eventsBefore = types.length;
    await addAssistanceCadre(villageId);
    await new Promise((r) => setTimeout(r, 5_000)); // past the next attempts the wait would have made
    await expectCancelledUnadmitted(householdId, note);
    expect(await stack.prisma.assignment.count({ where: { householdId } })).toBe(0);
    expect((await eventTypes(handle)).length).toBe(eventsBefore);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await recordHistory(handle, 'cancel-while-admission-waits');
  });

  it('the first form, the cancelSupervision signal, ends the wait too', { timeout: 90_000 }, async () => {
    const { householdId, handle } = await householdOfEmptyVillage();
    await waitingForPairing(handle);
    await handle.signal(cancelSupervisionSignal, { reason: 'OTHER', note: '信号', by: 'admin' });
    const final = await within(PROMPTLY_MS, 'the workflow', handle.result());
    expect(final.status).toBe('CANCELLED');
    await expectCancelledUnadmitted(householdId, '信号');
  });

  it('a cancel during the first try does not let the admission begin its wait', {
    timeout: 90_000,
  }, async () => {
    const { householdId, handle } = await householdOfEmptyVillage({ workflowTaskTimeout: '2s' });
    // The first workflow task has begun: the first try's local attempts run in it, and it is
    // heartbeaten every 1.6 s (80 % of its 2 s timeout), so the cancel is delivered while they run.
    await eventually(async () =>
      (await eventTypes(handle)).includes(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) ? true : undefined,
    );
    // Answered once the first try's four attempts (about 7 s) have failed: no wait begins.
    const answer = await within(
      30_000,
      'the cancel',
      handle.executeUpdate(cancelUpdate, { args: [{ reason: 'OTHER', note: '首次尝试中', by: 'admin' }] }),
    );
    expect(answer.status).toBe('CANCELLED');
    expect((await handle.result()).status).toBe('CANCELLED');
    expect(await eventTypes(handle)).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect((await patchMarkers(handle)).filter((id) => !id.startsWith('household-generation-'))).toEqual([
      PATCHES.cancelEndsPairingWait,
    ]);
    await expectCancelledUnadmitted(householdId, '首次尝试中');
  });

  it('a pairing attempt in flight that commits anyway: the cancel waits for it, then ends its assignments', {
    timeout: 90_000,
  }, async () => {
    let begun = () => {};
    let release = () => {};
    const attemptBegun = new Promise<void>((resolve) => {
      begun = resolve;
    });
    hold = { begun, release: new Promise<void>((resolve) => (release = resolve)) };
    const { householdId, villageId, handle } = await householdOfEmptyVillage();
    await within(30_000, 'the pairing wait', attemptBegun);
    // The attempt held mid-flight will find a 帮扶责任人 and commit the pairing.
    await addAssistanceCadre(villageId);

    let answered = false;
    const answer = cancelSupervision(
      stack,
      householdId,
      { reason: 'OTHER', note: '配对中' },
      'admin',
    ).finally(() => {
      answered = true;
    });
    try {
      await eventually(async () =>
        (await eventTypes(handle)).includes(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED)
          ? true
          : undefined,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      // WAIT_CANCELLATION_COMPLETED: the cancel has not written while the attempt may still commit.
      expect(answered).toBe(false);
      expect(
        await stack.prisma.auditLog.count({ where: { householdId, action: 'SUPERVISION_CANCELLED' } }),
      ).toBe(0);
    } finally {
      release(); // also when an expectation failed: a held attempt would keep the worker from stopping
    }
    expect((await within(PROMPTLY_MS, 'the cancel', answer)).status).toBe('CANCELLED');
    expect((await handle.result()).status).toBe('CANCELLED');
    // The attempt completed (its pairing committed), yet the household was not admitted: its two
    // Assignment rows are there, ended by the cancel; no notice, no task.
    expect(await eventTypes(handle)).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    const rows = await stack.prisma.assignment.findMany({ where: { householdId } });
    expect(rows.map((r) => r.role).sort()).toEqual(['ASSISTANCE', 'LEADER']);
    expect(rows.every((r) => r.to !== null)).toBe(true);
    await expectCancelledUnadmitted(householdId, '配对中');
    await recordHistory(handle, 'cancel-while-admission-waits.attempt-in-flight');
  });

  it('a cancel that comes with the start is not followed by the admission', { timeout: 60_000 }, async () => {
    const householdId = await town.addHousehold(); // a village whose pairing can be made
    const handle = await stack.temporal.workflow.signalWithStart(householdWorkflow, {
      workflowId: householdWorkflowId(householdId),
      taskQueue: stack.taskQueue,
      args: [{ householdId, policy: DEFAULT_POLICY }],
      signal: cancelSupervisionSignal,
      signalArgs: [{ reason: 'OTHER', note: '随启动', by: 'admin' }],
    });
    const final = await within(15_000, 'the workflow', handle.result());
    expect(final.status).toBe('CANCELLED');
    // No pairing made: only the 帮扶责任人 the ledger gave it, ended with the supervision.
    const rows = await stack.prisma.assignment.findMany({ where: { householdId } });
    expect(rows.map((r) => [r.id, r.to !== null])).toEqual([[`seed/${householdId}/ASSISTANCE`, true]]);
    await expectCancelledUnadmitted(householdId, '随启动');
  });

  it('a cancel whose write is refused for good: the wait it ended is taken up again, and the household admitted once a cadre is there', {
    timeout: 90_000,
  }, async () => {
    const { householdId, villageId, handle } = await householdOfEmptyVillage();
    await waitingForPairing(handle);
    refuseNextCancel = true;
    const refused = await within(
      PROMPTLY_MS,
      'the cancel',
      cancelSupervision(stack, householdId, { reason: 'OTHER', note: '写入失败' }, 'admin').then(
        () => 'cancelled',
        (e: unknown) => e,
      ),
    );
    expect(refused).toBeInstanceOf(Error);
    expect((await handle.query(stateQuery)).status).toBe('ADMITTING');
    await addAssistanceCadre(villageId);
    // Admitted as any household whose pairing waited: supervised, its first visit open.
    await eventually(
      async () => ((await handle.query(stateQuery)).status === 'SUPERVISED' ? true : undefined),
      30_000,
    );
    const { prisma } = stack;
    expect((await prisma.household.findUniqueOrThrow({ where: { id: householdId } })).status).toBe(
      'SUPERVISED',
    );
    expect(await prisma.task.count({ where: { householdId, status: 'OPEN' } })).toBe(1);
    expect(await prisma.auditLog.count({ where: { householdId, action: 'SUPERVISION_CANCELLED' } })).toBe(0);
    await handle.terminate('test done');
  });
});
