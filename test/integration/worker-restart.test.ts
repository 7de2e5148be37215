import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workerNodeOptions } from '../../config/worker-capacity.js';
import { startSupervision } from '../../domain/supervision.js';
import {
  completeTaskUpdate,
  householdWorkflowId,
  stateQuery,
} from '../../workflows/household/definitions.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

const root = path.resolve(import.meta.dirname, '../..');

/** The production worker entry point (`npm run worker`) as a separate process we can kill -9. */
function spawnWorker(taskQueue: string): ChildProcess {
  return spawn(process.execPath, [...workerNodeOptions(), '--import', 'tsx', 'scripts/worker.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: 'smtp://127.0.0.1:1', // nothing listens: e-mails stay PENDING, retried in the background
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
}

async function kill(worker: ChildProcess): Promise<void> {
  const exited = once(worker, 'exit');
  worker.kill('SIGKILL');
  await exited;
}

const HOUSEHOLDS = 8;

// The real Temporal dev server and PostgreSQL; the worker is killed without warning twice.
describe('a worker killed mid-campaign', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) await kill(w);
    await stack?.close();
  });

  it('is replaced by another that carries on with nothing lost or doubled', {
    timeout: 180_000,
  }, async () => {
    const ids: string[] = [];
    for (let i = 0; i < HOUSEHOLDS; i++) ids.push(await town.addHousehold());
    const tasksOf = () => stack.prisma.task.count({ where: { householdId: { in: ids } } });

    workers.push(spawnWorker(stack.taskQueue));
    for (const id of ids) expect(await startSupervision(stack, id)).toBe(true);
    // The worker bundles its workflow code when it starts: 25 s and more on a busy machine.
    await eventually(async () => ((await tasksOf()) >= 2 ? true : undefined), 90_000);
    await kill(workers[0] as ChildProcess); // mid-admission for most households

    workers.push(spawnWorker(stack.taskQueue));
    await eventually(async () => ((await tasksOf()) === HOUSEHOLDS ? true : undefined), 60_000);

    // Complete the first visits; kill the second worker halfway through.
    const complete = async (id: string) => {
      const handle = stack.temporal.workflow.getHandle(householdWorkflowId(id));
      // The task's row is written inside the workflow task that opens it (a local activity): the
      // workflow's own state shows it once that workflow task completes, a moment later.
      const task = await eventually(
        async () => (await handle.query(stateQuery)).openTasks.find((t) => t.kind === 'VISIT'),
        30_000,
      );
      await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            byCadreId: task.assigneeId,
            record: compliantRecord(task.assigneeId, task.openedAt),
          },
        ],
      });
    };
    const half = ids.slice(0, HOUSEHOLDS / 2);
    await Promise.all(half.map(complete));
    await kill(workers[1] as ChildProcess);
    workers.push(spawnWorker(stack.taskQueue));
    await Promise.all(ids.slice(HOUSEHOLDS / 2).map(complete));

    const where = { householdId: { in: ids } };
    expect(await stack.prisma.task.count({ where: { ...where, kind: 'VISIT' } })).toBe(HOUSEHOLDS);
    expect(await stack.prisma.task.count({ where: { ...where, status: 'DONE' } })).toBe(HOUSEHOLDS);
    expect(await stack.prisma.visitRecord.count({ where })).toBe(HOUSEHOLDS);
    expect(await stack.prisma.assignment.count({ where: { ...where, role: 'LEADER' } })).toBe(HOUSEHOLDS);
    expect(await stack.prisma.assignment.count({ where: { ...where, role: 'ASSISTANCE' } })).toBe(HOUSEHOLDS);
    expect(await stack.prisma.notification.count({ where: { ...where, kind: 'ASSIGNED' } })).toBe(
      2 * HOUSEHOLDS,
    );
    expect(await stack.prisma.notification.count({ where: { ...where, kind: 'TASK_OPENED' } })).toBe(
      HOUSEHOLDS,
    );
    expect(await stack.prisma.auditLog.count({ where: { ...where, action: 'SUPERVISION_STARTED' } })).toBe(
      HOUSEHOLDS,
    );
    const households = await stack.prisma.household.findMany({ where: { id: { in: ids } } });
    expect(households.every((h) => h.status === 'SUPERVISED')).toBe(true);
  });
});
