import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createPrisma, type PrismaClient } from '../../db/client.js';
import { DEFAULT_POLICY, type Policy } from '../../policy/index.js';
import { workflowBundle } from '../../worker/worker.js';
import {
  completeTaskUpdate,
  type HouseholdView,
  householdWorkflowId,
  stateQuery,
} from '../../workflows/household/definitions.js';
import { GENERATIONS, PATCHES } from '../../workflows/household/patches.js';
import { householdWorkflow } from '../../workflows/household/workflow.js';
import { createTownshipFixture, type TownshipFixture } from './township-fixture.js';
import { compliantRecord, waterFailingGuarantees } from './visit-records.js';

/**
 * The real time-skipping Temporal test server (the pinned `temporal-test-server` binary), a real
 * worker with the real activities, and the real PostgreSQL: months of a household's life pass in
 * seconds through `env.sleep`.
 */
export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  prisma: PrismaClient;
  taskQueue: string;
  startHousehold(
    householdId: string,
    options?: { policy?: Policy; historyLimit?: number },
  ): Promise<WorkflowHandle<typeof householdWorkflow>>;
  /** A workflow started elsewhere (e.g. by domain code) that `run` must also clean up. */
  adopt<H extends WorkflowHandle>(handle: H): H;
  state(handle: WorkflowHandle): Promise<HouseholdView>;
  /** Queries until `ready` holds (activities run in real time while the test clock stands still). */
  until(handle: WorkflowHandle, ready: (state: HouseholdView) => boolean): Promise<HouseholdView>;
  /**
   * Runs `body` while the worker polls, then stops the worker. `patchesOff`: patch ids the worker
   * does not activate, so the run takes the branch older code took (histories "before" a patch).
   */
  run<T>(body: () => Promise<T>, options?: { patchesOff?: readonly string[] }): Promise<T>;
  /** After a test: stops a worker a timed-out `run` left polling and terminates its workflows. */
  stopLeftovers(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Terminates a workflow once no activity of its is in flight: an activity whose workflow vanished
 * under it keeps the test server's clock locked until it times out, stalling the next test.
 */
async function terminateWhenQuiet(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const description = await handle.describe().catch(() => undefined);
    if (description?.status.name !== 'RUNNING') return;
    if ((description.raw.pendingActivities ?? []).length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await handle.terminate('test finished').catch(() => {});
}

/** The generations that cover any of these patch ids. */
export function generationsCovering(patchIds: readonly string[]): string[] {
  return GENERATIONS.filter((g) => [...g.covers].some((name) => patchIds.includes(PATCHES[name]))).map(
    (g) => g.id,
  );
}

/** `databaseUrl`: another database than the shared one (e.g. a scratch one for the seed township). */
export async function startTimeSkippingStack(
  options: { databaseUrl?: string } = {},
): Promise<TimeSkippingStack> {
  const path = inject('testServerPath');
  if (!path)
    throw new Error('the time-skipping test server binary is missing (see stack/temporal-binaries.ts)');
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  const prisma = createPrisma(options.databaseUrl ?? inject('databaseUrl'));
  const taskQueue = `ts-${randomUUID()}`;
  const started: WorkflowHandle[] = [];
  let running: Worker | undefined;
  // Notifications are written to the outbox but not e-mailed: a `mail-<id>` delivery retrying on its
  // own timers would make the test server skip time for it, not for the household (see deliverMail).
  const activities = createActivities({
    prisma,
    publicUrl: 'http://duzhan.test',
    smtpUrl: 'smtp://127.0.0.1:1',
    mailFrom: '督战系统 <duzhan@duzhan.test>',
    deliverMail: false,
  });
  // A worker runs once; each `run` gets a fresh one on the same task queue.
  // The time-skipping server cannot register custom search attributes, so its workers leave the
  // patch that sets them off (test/workflows/search-attributes.test.ts covers them on the dev server).
  // A generation covering a patch that is off is off too, or the run would take the patch without
  // asking (patches.ts); with search attributes always off here, these runs decide patch by patch.
  const newWorker = async (patchesOff: readonly string[] = []) => {
    const patchOff = [...patchesOff, PATCHES.searchAttributes];
    const off = [...patchOff, ...generationsCovering(patchOff)];
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
      patchActivationCallback: ({ patchId }) => !off.includes(patchId),
    });
  };
  return {
    env,
    prisma,
    taskQueue,
    startHousehold: async (householdId, options = {}) => {
      const handle = await env.client.workflow.start(householdWorkflow, {
        workflowId: householdWorkflowId(householdId),
        taskQueue,
        args: [
          {
            householdId,
            policy: options.policy ?? DEFAULT_POLICY,
            ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}),
          },
        ],
      });
      started.push(handle);
      return handle;
    },
    adopt: (handle) => {
      started.push(handle);
      return handle;
    },
    state: (handle) => handle.query(stateQuery),
    async until(handle, ready) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const state = await handle.query(stateQuery);
        if (ready(state)) return state;
        if (Date.now() > deadline)
          throw new Error(`state never became ready: ${JSON.stringify(state.status)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    // Whatever a test leaves running is terminated while the worker still polls: an activity left
    // scheduled with no worker to run it holds the test server's clock until it times out, and its
    // timeout is measured on that very clock, so the next test's `env.sleep` never returns.
    run: async (body, options = {}) => {
      const worker = await newWorker(options.patchesOff);
      running = worker;
      try {
        return await worker.runUntil(async () => {
          try {
            return await body();
          } finally {
            for (const handle of started.splice(0)) await terminateWhenQuiet(handle);
          }
        });
      } finally {
        running = undefined;
      }
    },
    async stopLeftovers() {
      if (!running) return;
      // A test that timed out leaves its worker polling: stop it so the next test can register its own.
      const worker = running;
      running = undefined;
      for (const handle of started.splice(0)) await handle.terminate('test timed out').catch(() => {});
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
    async close() {
      await env.teardown();
      await prisma.$disconnect();
    },
  };
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The open scheduled visit of a household, if any. */
export const openVisit = (state: HouseholdView) => state.openTasks.find((t) => t.kind === 'VISIT');

/**
 * A time-skipping stack with a township fixture whose leaders are the active ones, set up before
 * the file's tests and closed after them. Read `ctx.stack` and `ctx.town` inside the tests.
 */
export function useTimeSkippingTownship(): { stack: TimeSkippingStack; town: TownshipFixture } {
  const ctx = {} as { stack: TimeSkippingStack; town: TownshipFixture };
  beforeAll(async () => {
    ctx.stack = await startTimeSkippingStack();
    ctx.town = await createTownshipFixture(ctx.stack.prisma);
    await ctx.town.activate();
  });
  afterEach(async () => ctx.stack?.stopLeftovers());
  afterAll(async () => ctx.stack?.close());
  return ctx;
}

/**
 * A household admitted, then its first visit recorded with the water guarantee failing, which
 * opens a follow-up: admission, a visit record and a task opened by a finding, in one run.
 */
export async function admitAndVisitWithFinding(stack: TimeSkippingStack, town: TownshipFixture) {
  const householdId = await town.addHousehold();
  const handle = await stack.startHousehold(householdId);
  const admitted = await stack.until(handle, (s) => !!openVisit(s));
  const visit = openVisit(admitted);
  if (!visit) throw new Error('no visit');
  const record = compliantRecord(visit.assigneeId, visit.openedAt, {
    guarantees: waterFailingGuarantees,
  });
  const done = await handle.executeUpdate(completeTaskUpdate, {
    args: [{ taskId: visit.id, byCadreId: visit.assigneeId, record }],
  });
  const followUp = done.openTasks.find((t) => t.kind === 'FOLLOW_UP');
  if (!followUp) throw new Error('no follow-up');
  return { handle, householdId, admitted, visit, followUp };
}
