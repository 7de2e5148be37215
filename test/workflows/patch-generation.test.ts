import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { startSupervision } from '../../domain/supervision.js';
import { workflowBundle } from '../../worker/worker.js';
import {
  completeTaskUpdate,
  householdWorkflowId,
  stateQuery,
} from '../../workflows/household/definitions.js';
import { ASKED_WHEN_MET, GENERATIONS, PATCHES, type PatchName } from '../../workflows/household/patches.js';
import { HOUSEHOLD_SEARCH_ATTRIBUTES as KEYS } from '../../workflows/household/search-attribute-keys.js';
import { recordHistory } from '../helpers/history-recorder.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

const { EventType } = temporal.api.enums.v1;
const GENERATION = GENERATIONS[0]?.id ?? '';

/** The patch ids of a history's patch markers, in order, and what it upserted as TemporalChangeVersion. */
async function patchTrail(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  const decode = (data: Uint8Array | null | undefined) =>
    data ? (JSON.parse(Buffer.from(data).toString()) as unknown) : undefined;
  const markers = (events ?? []).flatMap((e) => {
    const a = e.markerRecordedEventAttributes;
    if (a?.markerName !== 'core_patch') return [];
    return [(decode(a.details?.['patch-data']?.payloads?.[0]?.data) as { id: string }).id];
  });
  const changeVersions = (events ?? []).flatMap((e) => {
    const field =
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TemporalChangeVersion;
    return field ? [decode(field.data)] : [];
  });
  const remoteActivities = (events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  return { markers, changeVersions, remoteActivities };
}

/** What each generation was made with, written out here too: changing a generation fails this test. */
const FIRST_GENERATION = [
  'activityFailureReported',
  'boundedMeasures',
  'capKindsInVisit',
  'capYearlyWindow',
  'closingRechecks',
  'closingStepDeadlines',
  'localWrites',
  'lockOneWaiter',
  'oneWritePerTransition',
  'pauseShiftLivedThrough',
  'policyUpgradeRechecks',
  'recheckAfterLock',
  'searchAttributes',
  'shockKeptWhilePaused',
  'visitAlternationByCount',
  'visitEvidence',
];
const PINNED: Record<string, string[]> = {
  'household-generation-2026-11-30': FIRST_GENERATION,
  'household-generation-2026-11-30b': [...FIRST_GENERATION, 'admissionInOneActivity'],
};

describe('the patch generations', () => {
  it('each covers the patches it was made with, written out: a patch added later joins none', () => {
    expect(GENERATIONS.map((g) => g.id).sort()).toEqual(Object.keys(PINNED).sort());
    for (const g of GENERATIONS) {
      expect([...g.covers].sort()).toEqual([...(PINNED[g.id] ?? [])].sort());
      for (const name of g.covers) expect(PATCHES).toHaveProperty(name);
    }
  });

  it('the newest covers every patch there is but those asked only when met, so a new run records one marker', () => {
    const onTheWay = Object.keys(PATCHES).filter((name) => !ASKED_WHEN_MET.has(name as PatchName));
    expect([...(GENERATIONS[0]?.covers ?? [])].sort()).toEqual(onTheWay.sort());
    // Those are in no generation: a run that meets the moment records the marker then.
    for (const name of ASKED_WHEN_MET) expect(GENERATIONS.some((g) => g.covers.has(name))).toBe(false);
  });
});

// The real dev server: the time-skipping server cannot register the search attributes, so its
// workers keep the generation off (test/helpers/time-skipping.ts) and these runs are the only ones
// that take it, as every household does in production.
describe('a patch generation: one marker per run instead of one per patch', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
  });
  afterAll(async () => stack?.close());

  async function admitted(householdId: string) {
    expect(await startSupervision(stack, householdId)).toBe(true);
    const handle = stack.temporal.workflow.getHandle(householdWorkflowId(householdId));
    const task = await eventually(
      async () => (await handle.query(stateQuery)).openTasks.find((t) => t.kind === 'VISIT'),
      60_000,
    );
    return { handle, task };
  }

  const completeVisit = (
    handle: WorkflowHandle,
    task: { id: string; assigneeId: string; openedAt: string },
  ) =>
    handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          byCadreId: task.assigneeId,
          record: compliantRecord(task.assigneeId, task.openedAt),
        },
      ],
    });

  it('a new run records its generation once and takes every patch it covers without a marker', {
    timeout: 120_000,
  }, async () => {
    const running = await stack.startWorker();
    try {
      const { handle, task } = await admitted(await town.addHousehold());
      const view = await completeVisit(handle, task);

      const { markers, changeVersions, remoteActivities } = await patchTrail(handle);
      expect(markers).toEqual([GENERATION]);
      expect(changeVersions).toEqual([[GENERATION]]);
      // The patches' new branches were taken all the same: local writes (the whole admission one
      // local activity, no activity task), the visit counted (alternation by count), search
      // attributes published.
      expect(remoteActivities).toEqual([]);
      expect(view.visitCount).toBe(1);
      expect((await handle.describe()).typedSearchAttributes.get(KEYS.status)).toBe('SUPERVISED');
      await recordHistory(handle, 'patch-generation');
      await handle.terminate('test finished');
    } finally {
      running.worker.shutdown();
      await running.done;
    }
  });

  it('a run started before the generation keeps deciding patch by patch, live after a restart too', {
    timeout: 120_000,
  }, async () => {
    // The first worker plays the code from before the generations: it never activates their markers.
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const before = await Worker.create({
      connection,
      taskQueue: stack.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createActivities({
        prisma: stack.prisma,
        publicUrl: 'http://duzhan.test',
        smtpUrl: 'smtp://127.0.0.1:1',
        mailFrom: '督战系统 <duzhan@duzhan.test>',
        deliverMail: false,
      }),
      patchActivationCallback: ({ patchId }) => !GENERATIONS.some((g) => g.id === patchId),
    });
    let handle: WorkflowHandle | undefined;
    let task: { id: string; assigneeId: string; openedAt: string } | undefined;
    await before.runUntil(async () => {
      ({ handle, task } = await admitted(await town.addHousehold()));
    });
    await connection.close();
    if (!handle || !task) throw new Error('the household was not admitted');
    const admission = await patchTrail(handle);
    expect(admission.markers).not.toContain(GENERATION);
    expect(admission.markers).toContain(PATCHES.admissionInOneActivity);

    // Today's worker replays the admission (no generation marker: none taken), then records the
    // visit's own patches as it meets them, as before the generation.
    const running = await stack.startWorker();
    try {
      // A new run in the same worker takes the generation first; the old run's choice stays its own.
      const fresh = await admitted(await town.addHousehold());
      await completeVisit(handle, task);
      await completeVisit(fresh.handle, fresh.task);
      expect((await patchTrail(fresh.handle)).markers).toEqual([GENERATION]);
      await fresh.handle.terminate('test finished');
      const visit = await patchTrail(handle);
      expect(visit.markers).not.toContain(GENERATION);
      expect(visit.markers.slice(admission.markers.length)).toEqual(
        expect.arrayContaining([PATCHES.recheckAfterLock, PATCHES.boundedMeasures]),
      );
      await handle.terminate('test finished');
    } finally {
      running.worker.shutdown();
      await running.done;
    }
  });
});
