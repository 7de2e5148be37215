import { WorkflowUpdateFailedError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { refusalMessage } from '../../domain/actions/workflow-calls.js';
import { activityHealth } from '../../domain/activity-health.js';
import { startSupervision } from '../../domain/supervision.js';
import { DEFAULT_POLICY, parseInstant } from '../../policy/index.js';
import {
  cancelSupervisionSignal,
  changeCategoryUpdate,
  completeTaskUpdate,
  declareShockSignal,
  type HouseholdView,
  householdWorkflowId,
  pauseSignal,
  pauseUpdate,
  reassignCadreUpdate,
  resumeSignal,
  resumeUpdate,
} from '../../workflows/household/definitions.js';
import { PATCHES } from '../../workflows/household/patches.js';
import { householdWorkflow } from '../../workflows/household/workflow.js';
import { recordEditedHistory, recordHistory } from '../helpers/history-recorder.js';
import {
  DAY,
  HOUR,
  openVisit,
  type TimeSkippingStack,
  useTimeSkippingTownship,
} from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

/** The workflow's refusal of an update, in its own words; undefined when the update succeeded. */
async function refusal(update: Promise<unknown>): Promise<string | undefined> {
  try {
    await update;
    return undefined;
  } catch (error) {
    if (!(error instanceof WorkflowUpdateFailedError)) return `not an update refusal: ${error}`;
    return refusalMessage(error);
  }
}

async function eventually<T>(probe: () => Promise<T | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Off for the "before" histories: the run takes every branch the code older than the patches took. */
const ALL_PATCHES = Object.values(PATCHES);

const ms = (iso: string | undefined) => parseInstant(iso ?? '');

describe('running households survive deploys, races and broken rows (time-skipping server)', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx); // runs after the helper's own beforeAll
  });

  /**
   * A paused household with a shock active; a task opens 3 days into a 7-day pause. `asBefore`: with
   * the pause and resume signals older code had (histories of runs from before the updates).
   */
  async function pauseWithTaskOpenedDuring(asBefore = false) {
    const householdId = await town.addHousehold();
    const handle = await stack.startHousehold(householdId);
    const admitted = await stack.until(handle, (s) => !!openVisit(s));
    const visit = openVisit(admitted);
    if (!visit) throw new Error('no visit');
    await handle.signal(declareShockSignal, { reason: '洪灾', by: 'admin' });
    const shocked = await stack.until(handle, (s) => !!s.shockUntil);
    const pause = { reason: '户主住院', by: 'admin' };
    const paused = asBefore
      ? await handle.signal(pauseSignal, pause).then(() => stack.until(handle, (s) => s.status === 'PAUSED'))
      : await handle.executeUpdate(pauseUpdate, { args: [pause] });
    await stack.env.sleep(3 * DAY);
    const successor =
      admitted.cadres.assistance?.id === town.cadres.assistance
        ? town.cadres.assistance2
        : town.cadres.assistance;
    const reassigned = await handle.executeUpdate(reassignCadreUpdate, {
      args: [{ role: 'ASSISTANCE', cadreId: successor, by: 'admin', reason: '调岗' }],
    });
    const handover = reassigned.openTasks.find((t) => t.kind === 'HANDOVER');
    if (!handover) throw new Error('no handover task');
    await stack.env.sleep(4 * DAY);
    const resumed = asBefore
      ? await handle
          .signal(resumeSignal, { by: 'admin' })
          .then(() => stack.until(handle, (s) => s.status === 'SUPERVISED'))
      : await handle.executeUpdate(resumeUpdate, { args: [{ by: 'admin' }] });
    const shift = (id: string, before: string) =>
      ms(resumed.openTasks.find((t) => t.id === id)?.dueAt) - ms(before);
    // Lived through the whole pause: the visit's shift is the pause's length.
    const pausedFor = shift(visit.id, visit.dueAt);
    // Past the handover's due date and rungs, so old and new due dates lead to different commands.
    await stack.env.sleep(DEFAULT_POLICY.visitTaskDueDays * DAY + 60 * HOUR);
    return {
      handle,
      pause: pausedFor,
      handoverShift: shift(handover.id, handover.dueAt),
      openedIntoPause: ms(handover.openedAt) - ms(paused.pausedAt),
      shockShift: ms(resumed.shockUntil) - ms(shocked.shockUntil),
    };
  }

  it('a resume shifts a task opened during the pause by what it lived through, and the shock by the pause', async () => {
    await stack.run(async () => {
      const { handle, pause, handoverShift, openedIntoPause, shockShift } = await pauseWithTaskOpenedDuring();
      expect(pause).toBeGreaterThanOrEqual(7 * DAY);
      expect(openedIntoPause).toBeGreaterThanOrEqual(3 * DAY);
      expect(handoverShift).toBe(pause - openedIntoPause);
      expect(shockShift).toBe(pause);
      await recordHistory(handle, 'pause-shift');
    });
  });

  it('before its patch, the same run keeps the old shift (whole pause for every task, shock end unmoved)', async () => {
    await stack.run(
      async () => {
        const { handle, pause, handoverShift, shockShift } = await pauseWithTaskOpenedDuring(true);
        expect(handoverShift).toBe(pause);
        expect(shockShift).toBe(0);
        await recordHistory(handle, 'pause-shift.before-patch');
      },
      { patchesOff: ALL_PATCHES },
    );
  });

  /** Three updates delivered together: two give the household's assistance role to the same cadre. */
  async function concurrentUpdates() {
    const householdId = await town.addHousehold();
    const handle = await stack.startHousehold(householdId);
    const admitted = await stack.until(handle, (s) => !!openVisit(s));
    const successor =
      admitted.cadres.assistance?.id === town.cadres.assistance
        ? town.cadres.assistance2
        : town.cadres.assistance;
    const reassign = () =>
      handle.executeUpdate(reassignCadreUpdate, {
        args: [{ role: 'ASSISTANCE', cadreId: successor, by: 'admin', reason: '调岗' }],
      });
    const refusals = await Promise.all([
      refusal(reassign()),
      refusal(reassign()),
      refusal(handle.executeUpdate(changeCategoryUpdate, { args: [{ category: 'UNLIFTED', by: 'admin' }] })),
    ]);
    return { householdId, handle, refusals };
  }

  it('handlers delivered together run one at a time, and the same reassignment twice opens one handover', async () => {
    await stack.run(async () => {
      const { householdId, handle, refusals } = await concurrentUpdates();
      expect(refusals.filter((r) => r === '该干部已经是这户的帮扶干部')).toHaveLength(1);
      expect(refusals.filter((r) => r === undefined)).toHaveLength(2);
      expect(await stack.prisma.task.count({ where: { householdId, kind: 'HANDOVER' } })).toBe(1);
      await recordHistory(handle, 'concurrent-handlers');
    });
  });

  it('before their patches, handlers delivered together replay the old lock (history only)', async () => {
    await stack.run(
      async () => {
        const { handle } = await concurrentUpdates();
        await recordHistory(handle, 'concurrent-handlers.before-patch');
      },
      { patchesOff: ALL_PATCHES },
    );
  });

  it('an update waiting while a cancel runs is refused cleanly, and opens nothing for the ended household', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      await stack.until(handle, (s) => !!openVisit(s));
      await handle.signal(cancelSupervisionSignal, { reason: 'MOVED_AWAY', note: '', by: 'admin' });
      const refused = await refusal(
        handle.executeUpdate(reassignCadreUpdate, {
          args: [{ role: 'ASSISTANCE', cadreId: town.cadres.assistance2, by: 'admin', reason: '调岗' }],
        }),
      );
      // Refused by its validator or, if it was already waiting for the lock, by its re-check; or the
      // run had already completed. Never carried out.
      expect(refused).toBeDefined();
      if (!refused?.startsWith('not an update refusal')) expect(refused).toBe('该户已结束挂牌督战');
      expect((await handle.result()).status).toBe('CANCELLED');
    });
    expect(await stack.prisma.task.count({ where: { householdId, kind: 'HANDOVER' } })).toBe(0);
  });

  it('a shock declared while paused starts when supervision resumes', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      await stack.until(handle, (s) => !!openVisit(s));
      await handle.executeUpdate(pauseUpdate, { args: [{ reason: '外出务工', by: 'admin' }] });
      await handle.signal(declareShockSignal, { reason: '疫情', by: 'admin' });
      const paused = await stack.until(handle, (s) => !!s.pendingShock);
      expect(paused.shockUntil).toBeUndefined();
      await stack.env.sleep(5 * DAY);
      const resumed = await handle.executeUpdate(resumeUpdate, { args: [{ by: 'admin' }] });
      expect(resumed.pendingShock).toBeUndefined();
      // The shock's whole period runs from the resume, not from the declaration during the pause.
      expect(ms(resumed.shockUntil) - ms(resumed.nextVisitAt)).toBe(DEFAULT_POLICY.shock.durationDays * DAY);
      await recordHistory(handle, 'shock-while-paused');
    });
    const actions = await stack.prisma.auditLog.findMany({
      where: { householdId, action: { in: ['SHOCK_DEFERRED', 'SHOCK_DECLARED'] } },
      orderBy: { id: 'asc' },
    });
    expect(actions.map((a) => a.action)).toEqual(['SHOCK_DEFERRED', 'SHOCK_DECLARED']);
  });

  it('pause, resume and cancel refuse a wrong state with a message, never ignore it', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const admitted = await stack.until(handle, (s) => !!openVisit(s));
      expect(await refusal(handle.executeUpdate(resumeUpdate, { args: [{ by: 'admin' }] }))).toBe(
        '该户没有暂停督战，无需恢复',
      );
      await handle.executeUpdate(pauseUpdate, { args: [{ reason: '住院', by: 'admin' }] });
      expect(
        await refusal(handle.executeUpdate(pauseUpdate, { args: [{ reason: '再次', by: 'admin' }] })),
      ).toBe('该户已经暂停督战');
      await handle.terminate('continued below in the closing procedure');
      // The same household in its closing procedure (handed over as continue-as-new would).
      const closing: HouseholdView = {
        ...admitted,
        status: 'CLOSING',
        closing: { step: 'VILLAGE_REVIEW', stepStartedAt: admitted.admittedAt, steps: [], criteria: [] },
      };
      const { nextDueAt: _n, highestRung: _h, ...carried } = closing;
      const again = stack.adopt(
        await stack.env.client.workflow.start(householdWorkflow, {
          workflowId: householdWorkflowId(householdId),
          taskQueue: stack.taskQueue,
          args: [{ householdId, policy: DEFAULT_POLICY, carried }],
        }),
      );
      expect(
        await refusal(again.executeUpdate(pauseUpdate, { args: [{ reason: '住院', by: 'admin' }] })),
      ).toBe('该户正在退出程序中，不能暂停；如有异议请在退出程序中提出');
      expect((await stack.state(again)).status).toBe('CLOSING');
    });
  });

  it('an activity that cannot heal is recorded for the admins and the household goes on', async () => {
    const householdId = await town.addHousehold();
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId);
      const visit = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!visit) throw new Error('no visit');
      // The task's row is gone (a bad manual fix, a restore): escalating it can never succeed.
      await eventually(() => stack.prisma.task.findUnique({ where: { id: visit.id } }));
      await stack.prisma.task.delete({ where: { id: visit.id } });
      await stack.env.sleep(DEFAULT_POLICY.visitTaskDueDays * DAY + HOUR);
      const failed = await eventually(() =>
        stack.prisma.auditLog.findFirst({ where: { householdId, action: 'ACTIVITY_FAILED' } }),
      );
      expect(failed?.detail).toMatchObject({ activityType: 'escalateTask' });
      const health = await activityHealth(stack.prisma);
      expect(health.failed.find((f) => f.householdId === householdId)?.activityType).toBe('escalateTask');
      // Not blocked: an update still gets the lock and answers.
      const changed = await Promise.race([
        handle.executeUpdate(changeCategoryUpdate, { args: [{ category: 'UNLIFTED', by: 'admin' }] }),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000)),
      ]);
      expect(changed?.facts.category).toBe('UNLIFTED');
    });
  });

  it('a record accepted under an older schema replays (history edited from a real one)', async () => {
    const householdId = await town.addHousehold();
    await stack.run(
      async () => {
        const handle = await stack.startHousehold(householdId);
        const visit = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
        if (!visit) throw new Error('no visit');
        await handle.executeUpdate(completeTaskUpdate, {
          args: [
            {
              taskId: visit.id,
              byCadreId: visit.assigneeId,
              record: compliantRecord(visit.assigneeId, visit.openedAt, { notes: '入户核查' }),
            },
          ],
        });
        await stack.env.sleep(DAY);
        await recordHistory(handle, 'visit-record');
        // Notes longer than today's limit (MAX_NOTES_LENGTH, 2,000): what an older schema let through.
        await recordEditedHistory(handle, 'old-schema-record', (history) => {
          for (const event of history.events) {
            const payload =
              event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args
                ?.payloads?.[0];
            if (!payload?.data) continue;
            const args = JSON.parse(Buffer.from(payload.data).toString('utf8'));
            args.record.notes = '旧版走访记录'.repeat(500);
            payload.data = Buffer.from(JSON.stringify(args), 'utf8');
          }
        });
        // Recorded as code older than this file's patches ran it, so only the record differs.
      },
      { patchesOff: ALL_PATCHES },
    );
  });

  it('seed, import and registration start nothing for a household PostgreSQL says has ended', async () => {
    const ended = await town.addHousehold();
    await stack.prisma.household.update({ where: { id: ended }, data: { status: 'STABLY_OUT' } });
    const deps = { prisma: stack.prisma, temporal: stack.env.client, taskQueue: stack.taskQueue };
    expect(await startSupervision(deps, ended)).toBe(false);
    expect(await startSupervision(deps, `NOPE-${town.suffix}`)).toBe(false);
    const described = await stack.env.client.workflow
      .getHandle(householdWorkflowId(ended))
      .describe()
      .then(() => 'exists')
      .catch(() => 'none');
    expect(described).toBe('none');
    // A household never under supervision is not "re-admitted".
    const fresh = await town.addHousehold();
    expect(await startSupervision(deps, fresh, { readmission: true })).toBe(false);
  });
});
