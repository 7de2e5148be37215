/**
 * `npm run bench [-- --households N --concurrency C]`: starts N household workflows on a fresh
 * in-memory Temporal dev server and PostgreSQL, waits for their first visit task and completes it,
 * and prints starts/s and completeTask latency beside the same figures for a trivial workflow
 * started and updated by the raw Temporal client on the same server (the floor). Run by hand, not by CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createPrisma, type PrismaClient } from '../db/client.js';
import { DEFAULT_POLICY } from '../policy/index.js';
import { startScratchInfrastructure } from '../stack/scratch-infrastructure.js';
import { compliantRecord } from '../test/helpers/visit-records.js';
import {
  completeTaskUpdate,
  type HouseholdView,
  householdWorkflowId,
  stateQuery,
} from '../workflows/household/definitions.js';
import { householdWorkflow } from '../workflows/household/workflow.js';
import { bumpUpdate, finishSignal, floorWorkflow } from './floor-workflows.js';
import { createBenchHouseholds } from './setup-data.js';
import { forEachLimit, percentile, timed } from './stats.js';

const root = path.resolve(import.meta.dirname, '..');
const say = (line: string) => console.error(`bench: ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PhaseFigures {
  startsPerSecond: number;
  updateP50Ms: number;
  updateP99Ms: number;
  updatesPerSecond: number;
  workerPeakRssMiB: number;
}

const { values } = parseArgs({
  options: {
    households: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
  },
});
const households = Number(values.households);
const concurrency = Number(values.concurrency);
if (!(households >= 1 && concurrency >= 1)) throw new Error('--households and --concurrency must be ≥ 1');

// Everything started is stopped in reverse order, at the end, on failure and on Ctrl-C.
const stops: Array<() => Promise<void>> = [];
const stopAll = async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch((e: Error) => say(`stop: ${e.message}`));
};
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopAll();
}

async function main() {
  const infra = await startScratchInfrastructure(path.join(root, '.tools'), say);
  stops.push(infra.stop);

  const prisma = createPrisma(infra.databaseUrl);
  stops.push(() => prisma.$disconnect());
  const householdIds = await createBenchHouseholds(prisma, households);
  say(`${households} households written; starting the worker`);

  const taskQueue = 'bench';
  const worker = await startWorkerProcess(infra.temporalAddress, infra.databaseUrl, taskQueue);
  stops.push(() => stopWorkerProcess(worker));
  const pid = worker.pid ?? 0;
  const connection = await Connection.connect({ address: infra.temporalAddress });
  stops.push(() => connection.close());
  const client = new Client({ connection, namespace: 'default' });

  // Peak RSS per phase: VmHWM is reset between phases (clear_refs 5) when the kernel allows it.
  const idle = await memoryMiB(pid);
  const perPhase = await resetPeak(pid);

  say(`floor: ${households} trivial workflows through the raw client`);
  const floor = await floorPhase(client, `${taskQueue}-floor`);
  floor.workerPeakRssMiB = (await memoryMiB(pid)).peak;
  if (perPhase) await resetPeak(pid);

  say(`duzhan: ${households} household workflows`);
  const { admissionSeconds, ...duzhan } = await householdPhase(client, prisma, taskQueue, householdIds);
  duzhan.workerPeakRssMiB = (await memoryMiB(pid)).peak;
  const overallPeak = Math.max(idle.peak, floor.workerPeakRssMiB, duzhan.workerPeakRssMiB);

  printTable(duzhan, floor, perPhase);
  console.log(
    `\nadmission: all ${households} first visit tasks open (and notified) ${admissionSeconds.toFixed(1)} s ` +
      `after the first start: ${(households / admissionSeconds).toFixed(1)} households/s`,
  );
  console.log(
    `worker RSS: ${idle.rss.toFixed(0)} MiB idle after start-up (both bundles loaded), ` +
      `${overallPeak.toFixed(0)} MiB peak over the whole run`,
  );
  console.log(
    `households ${households}, concurrency ${concurrency}, ${os.cpus().length} CPUs, Node ${process.version}`,
  );

  const results = {
    at: new Date().toISOString(),
    households,
    concurrency,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    duzhan: { ...duzhan, admissionSeconds, admissionPerSecond: households / admissionSeconds },
    floor,
    workerRssMiB: { idle: idle.rss, peak: overallPeak, peakIsPerPhase: perPhase },
  };
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  say('figures written to bench/results/latest.json');
}

/** Trivial workflows: started, then one `bump` update each once they are idle, then finished. */
async function floorPhase(client: Client, taskQueue: string): Promise<PhaseFigures> {
  const ids = Array.from({ length: households }, (_, i) => `bench-floor-${i + 1}`);
  const startMs = await timed(() =>
    forEachLimit(ids, concurrency, async (workflowId) => {
      await client.workflow.start(floorWorkflow, { workflowId, taskQueue });
    }),
  );
  // Idle = its first workflow task completed (4 events), as the households are when updated.
  await forEachLimit(ids, concurrency, (id) =>
    until(async () => (await client.workflow.getHandle(id).describe()).historyLength >= 4),
  );
  const latencies: number[] = [];
  const updateMs = await timed(() =>
    forEachLimit(ids, concurrency, async (id) => {
      latencies.push(await timed(() => client.workflow.getHandle(id).executeUpdate(bumpUpdate)));
    }),
  );
  await forEachLimit(ids, concurrency, (id) => client.workflow.getHandle(id).signal(finishSignal));
  return figures(startMs, updateMs, latencies);
}

/** Household workflows: started, admitted until the first visit task is open, then that task completed. */
async function householdPhase(
  client: Client,
  prisma: PrismaClient,
  taskQueue: string,
  ids: string[],
): Promise<PhaseFigures & { admissionSeconds: number }> {
  const phaseStarted = performance.now();
  const startMs = await timed(() =>
    forEachLimit(ids, concurrency, async (householdId) => {
      await client.workflow.start(householdWorkflow, {
        workflowId: householdWorkflowId(householdId),
        taskQueue,
        args: [{ householdId, policy: DEFAULT_POLICY }],
      });
    }),
  );
  say(`started in ${(startMs / 1000).toFixed(1)} s; waiting for the first visit tasks`);
  const visits = new Map<string, HouseholdView['openTasks'][number]>();
  await forEachLimit(ids, concurrency, (id) =>
    until(async () => {
      const state = await client.workflow.getHandle(householdWorkflowId(id)).query(stateQuery);
      const visit = state.openTasks.find((t) => t.kind === 'VISIT');
      if (visit) visits.set(id, visit);
      return !!visit;
    }, 500),
  );
  // The task is in the state before its row and notification are written; wait for those too,
  // so that every update finds its workflow idle, as a cadre's would.
  await until(
    async () => (await prisma.notification.count({ where: { kind: 'TASK_OPENED' } })) >= ids.length,
  );
  const admissionSeconds = (performance.now() - phaseStarted) / 1000;
  say(`all first visits open after ${admissionSeconds.toFixed(1)} s; completing them`);

  const latencies: number[] = [];
  const updateMs = await timed(() =>
    forEachLimit(ids, concurrency, async (id) => {
      const task = visits.get(id);
      if (!task) throw new Error(`no visit task for ${id}`);
      const args = {
        taskId: task.id,
        byCadreId: task.assigneeId,
        record: compliantRecord(task.assigneeId, task.openedAt),
      };
      const handle = client.workflow.getHandle(householdWorkflowId(id));
      latencies.push(await timed(() => handle.executeUpdate(completeTaskUpdate, { args: [args] })));
    }),
  );
  const done = await prisma.task.count({ where: { kind: 'VISIT', status: 'DONE' } });
  if (done !== ids.length) throw new Error(`${done} of ${ids.length} visit tasks are DONE in the database`);
  return { ...figures(startMs, updateMs, latencies), admissionSeconds };
}

function figures(startMs: number, updateMs: number, latencies: number[]): PhaseFigures {
  return {
    startsPerSecond: households / (startMs / 1000),
    updateP50Ms: percentile(latencies, 50),
    updateP99Ms: percentile(latencies, 99),
    updatesPerSecond: households / (updateMs / 1000),
    workerPeakRssMiB: Number.NaN,
  };
}

function printTable(duzhan: PhaseFigures, floor: PhaseFigures, perPhase: boolean) {
  const rows: Array<[string, number, number, number]> = [
    ['workflow starts/s', duzhan.startsPerSecond, floor.startsPerSecond, 1],
    ['completeTask/update p50 ms', duzhan.updateP50Ms, floor.updateP50Ms, 1],
    ['completeTask/update p99 ms', duzhan.updateP99Ms, floor.updateP99Ms, 1],
    ['completeTask/update /s', duzhan.updatesPerSecond, floor.updatesPerSecond, 1],
    [
      `worker peak RSS MiB${perPhase ? ' (phase)' : ' (cumulative)'}`,
      duzhan.workerPeakRssMiB,
      floor.workerPeakRssMiB,
      0,
    ],
  ];
  const header = ['metric', 'duzhan', 'floor (raw client)', 'duzhan ÷ floor'];
  const cells = rows.map(([name, d, f, digits]) => [
    name,
    d.toFixed(digits),
    f.toFixed(digits),
    (d / f).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(`\n${line(header)}`);
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

/** Calls `probe` every `intervalMs` until it returns true; gives up after ten minutes. */
async function until(probe: () => Promise<boolean>, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('gave up waiting after 10 minutes');
    await sleep(intervalMs);
  }
}

async function startWorkerProcess(address: string, databaseUrl: string, taskQueue: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/worker-process.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      DATABASE_URL: databaseUrl,
      TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the worker process exited (${code}) before it was ready`);
    }),
  ]);
  if (message !== 'ready') throw new Error(`unexpected message from the worker process: ${message}`);
  return child;
}

async function stopWorkerProcess(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Resets the process's VmHWM to its current RSS (Linux, same user or root); false if refused. */
async function resetPeak(pid: number): Promise<boolean> {
  return writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
}
