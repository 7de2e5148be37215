import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../db/client.js';
import { applyMigrations } from '../../db/migrate.js';
import { policyUpgradeStatus, startPolicyUpgrade } from '../../domain/policy-upgrades.js';
import {
  draftPolicyVersion,
  ensureBuiltInPolicies,
  publishPolicyVersion,
} from '../../domain/policy-versions.js';
import { addDays, DEFAULT_POLICY } from '../../policy/index.js';
import {
  type HouseholdState,
  householdWorkflowId,
  stateQuery,
} from '../../workflows/household/definitions.js';
import { householdWorkflow } from '../../workflows/household/workflow.js';
import { policyUpgradeWorkflowId } from '../../workflows/policy-upgrade/definitions.js';
import { eventually } from '../helpers/real-stack.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

const root = path.resolve(import.meta.dirname, '../..');
// Pages of 20 and a new run every 100: several continue-as-new, a kill mid-page, a restart after a stop.
const HOUSEHOLDS = 400;
const VERSION = '2099.1';
const VILLAGE = 'pu-village';
const CADRE = 'pu-assist';

/** The production worker entry point (`npm run worker`) as a separate process we can kill -9. */
function spawnWorker(databaseUrl: string, taskQueue: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: 'smtp://127.0.0.1:1',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
}

async function kill(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = once(worker, 'exit');
  worker.kill('SIGKILL');
  await exited;
}

/**
 * A cheap household: its workflow starts as if continued from an admitted run (cadres assigned, the
 * next visit a year away), so hundreds of them start in seconds instead of minutes of admission.
 */
function admittedState(householdId: string, now: string): HouseholdState {
  return {
    householdId,
    workflowId: householdWorkflowId(householdId),
    chainId: 'bulk',
    policy: DEFAULT_POLICY,
    facts: { category: 'MARGINAL', memberCount: 3, labourClass: 'CLASS_1', hasLabour: true },
    status: 'SUPERVISED',
    admittedAt: now,
    cadres: { assistance: { id: CADRE, name: '张帮扶' } },
    seq: 0,
    openTasks: [],
    nextVisitAt: addDays(now, 365),
    visits: [],
    measures: [],
    exitCriteria: [],
  };
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

// A database of its own (hundreds of households would crowd the other files' queries), the shared
// Temporal dev server, and the real worker process, killed without warning halfway.
describe('upgrading hundreds of running households to a new policy', () => {
  let db: { url: string; drop(): Promise<void> };
  let prisma: PrismaClient;
  let connection: Connection;
  let temporal: Client;
  const taskQueue = `policy-upgrade-${Date.now()}`;
  const workers: ChildProcess[] = [];
  const ids = Array.from({ length: HOUSEHOLDS }, (_, i) => `PU${String(i + 1).padStart(5, '0')}`);

  beforeAll(async () => {
    db = await scratchDatabase('policy_upgrade');
    await applyMigrations(db.url);
    prisma = createPrisma(db.url);
    await ensureBuiltInPolicies(prisma);
    connection = await Connection.connect({ address: inject('temporalAddress') });
    temporal = new Client({ connection, namespace: 'default' });
    await prisma.village.create({ data: { id: VILLAGE, name: '升级村' } });
    await prisma.cadre.create({
      data: { id: CADRE, name: '张帮扶', email: 'pu-assist@duzhan.example', rank: 'ASSISTANCE_CADRE' },
    });
    await prisma.household.createMany({
      data: ids.map((id) => ({
        id,
        number: id,
        headName: '户主',
        villageId: VILLAGE,
        category: 'MARGINAL',
        status: 'SUPERVISED',
        workflowId: householdWorkflowId(id),
        policyVersion: DEFAULT_POLICY.version,
      })),
    });
  });
  afterAll(async () => {
    for (const w of workers) await kill(w);
    await temporal?.workflow
      .getHandle(policyUpgradeWorkflowId(VERSION))
      .terminate('test over')
      .catch(() => {});
    await connection?.close();
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('killed midway and resumed, upgrades each household exactly once', { timeout: 1_800_000 }, async () => {
    const deps = { prisma, temporal, taskQueue };
    workers.push(spawnWorker(db.url, taskQueue));
    const now = new Date().toISOString();
    await inBatches(ids, 50, (id) =>
      temporal.workflow.start(householdWorkflow, {
        workflowId: householdWorkflowId(id),
        taskQueue,
        args: [{ householdId: id, policy: DEFAULT_POLICY, carried: admittedState(id, now) }],
      }),
    );

    const current = (await prisma.policyVersion.findUniqueOrThrow({ where: { version: '2024.2' } })).body;
    await draftPolicyVersion(prisma, {
      body: { ...(current as object), version: VERSION, incomeLineYuanPerPersonYear: 4500 },
      by: 'admin',
    });
    await publishPolicyVersion(prisma, VERSION, 'admin');
    const upgradedCount = () => prisma.household.count({ where: { policyVersion: VERSION } });
    const reached = (n: number) => async () => ((await upgradedCount()) >= n ? true : undefined);

    const started = await startPolicyUpgrade(deps, {
      version: VERSION,
      by: 'admin',
      continueAsNewEvery: 100,
    });
    expect(started.alreadyRunning).toBe(false);
    expect(started.workflowId).toBe(`policy-upgrade-${VERSION}`);

    // The worker dies without warning in the middle of a page; another takes over.
    await eventually(reached(HOUSEHOLDS / 4), 600_000);
    await kill(workers[0] as ChildProcess);
    const atKill = await upgradedCount();
    expect(atKill).toBeLessThan(HOUSEHOLDS);
    workers.push(spawnWorker(db.url, taskQueue));

    // Then the upgrade itself is stopped, and started again from the page: it goes on.
    await eventually(reached(Math.max(atKill + HOUSEHOLDS / 10, (HOUSEHOLDS * 3) / 5)), 600_000);
    await temporal.workflow.getHandle(policyUpgradeWorkflowId(VERSION)).terminate('stopped by the test');
    const atStop = await upgradedCount();
    expect(atStop).toBeLessThan(HOUSEHOLDS);
    const resumed = await startPolicyUpgrade(deps, { version: VERSION, by: 'admin' });
    expect(resumed.alreadyRunning).toBe(false);

    const finished = await eventually(async () => {
      const status = await policyUpgradeStatus(deps, VERSION);
      return status.status === 'COMPLETED' ? status : undefined;
    }, 600_000);
    expect(finished.progress).toMatchObject({ total: HOUSEHOLDS, done: HOUSEHOLDS, failed: 0 });
    // The restarted run counted those upgraded before it as done, and upgraded only the rest.
    expect(finished.progress?.upgraded).toBeLessThanOrEqual(HOUSEHOLDS - atStop);

    expect(await upgradedCount()).toBe(HOUSEHOLDS);
    const perHousehold = await prisma.auditLog.groupBy({
      by: ['householdId'],
      where: { action: 'POLICY_UPGRADED' },
      _count: { _all: true },
    });
    expect(perHousehold).toHaveLength(HOUSEHOLDS);
    expect(perHousehold.filter((row) => row._count._all !== 1)).toEqual([]);
    const sample = await temporal.workflow
      .getHandle(householdWorkflowId(ids[HOUSEHOLDS - 1] as string))
      .query(stateQuery);
    expect(sample.policy.version).toBe(VERSION);
    expect(sample.policy.incomeLineYuanPerPersonYear).toBe(4500);
  });
});
