/**
 * `npm run bench [-- --households N --concurrency C --due D --updates U --floor F --temporal memory|disk|cluster]`: starts N
 * household workflows on a fresh Temporal server (the dev server in memory, the dev server on a SQLite
 * file, or the production server as a two-node cluster on PostgreSQL) and PostgreSQL, waits for their admission (facts, pairing,
 * first visit task and its notification, read from PostgreSQL), completes that visit in U of them
 * (default all; a sample keeps a 100,000 run within hours), then, with the N asleep,
 * starts D more (default 1,000) whose next visits fall due in the same minute and measures how late
 * each visit task opens. Every figure is printed beside the same one for a trivial workflow started,
 * updated and woken by the raw Temporal client on the same server in the same run (the floor; F of
 * them, default N, a sample for the largest runs). Run
 * by hand, not by CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  Client,
  Connection,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { workerNodeOptions } from '../config/worker-capacity.js';
import { createPrisma, type PrismaClient } from '../db/client.js';
import { DEFAULT_POLICY } from '../policy/index.js';
import {
  SCRATCH_TEMPORALS,
  type ScratchInfrastructure,
  startScratchInfrastructure,
} from '../stack/scratch-infrastructure.js';
import { compliantRecord } from '../test/helpers/visit-records.js';
import { completeTaskUpdate, householdWorkflowId } from '../workflows/household/definitions.js';
import { householdWorkflow } from '../workflows/household/workflow.js';
import {
  byPart,
  type CpuSeconds,
  cpuSeconds,
  idleCpuPerSecond,
  lessOverhead,
  PART_LABELS,
  PARTS,
  type PartPids,
  type PerOperationMs,
  perOperationMs,
} from './cpu-meter.js';
import { bumpUpdate, finishSignal, floorTimerWorkflow, floorWorkflow } from './floor-workflows.js';
import { sampleMemory } from './memory-meter.js';
import { createBenchHouseholds } from './setup-data.js';
import { forEachLimit, percentile, timed } from './stats.js';

const root = path.resolve(import.meta.dirname, '..');
/** The households' id prefixes: the main phase's and the "due together" phase's. */
const MAIN_PREFIX = 'bench-H';
const DUE_PREFIX = 'bench-due-';
/** How long the idle CPU of the worker, Temporal and PostgreSQL is read before the first phase. */
const IDLE_SAMPLE_SECONDS = 10;
const say = (line: string) => console.error(`bench: ${line}`);
/** Where a long run is, for the once-a-minute memory line: the phase, and the count last waited on. */
const progress = { phase: 'starting', counted: '' };
const enterPhase = (phase: string) => Object.assign(progress, { phase, counted: '' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PhaseFigures {
  startsPerSecond: number;
  updateP50Ms: number;
  updateP99Ms: number;
  updatesPerSecond: number;
  workerPeakRssMiB: number;
  /** CPU per workflow started until idle (floor) or admitted (duzhan), per part of the stack. */
  cpuPerStartMs: PerOperationMs;
  /** CPU per update, per part of the stack. */
  cpuPerUpdateMs: PerOperationMs;
}

const { values } = parseArgs({
  options: {
    households: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    due: { type: 'string', default: '1000' },
    updates: { type: 'string' },
    floor: { type: 'string' },
    'due-after': { type: 'string' },
    'worker-memory': { type: 'string' },
    'village-size': { type: 'string', default: '400' },
    // Which Temporal server: the dev server in memory (the default), the dev server on a SQLite file
    // (in memory, a 100,000 run's backlog of started households grew it past 4 GiB, then to 22 GiB
    // in two minutes, and it died), or the production server, a two-node cluster on PostgreSQL.
    temporal: { type: 'string', default: 'memory' },
  },
});
const households = Number(values.households);
const temporal = SCRATCH_TEMPORALS.find((kind) => kind === values.temporal);
if (!temporal) throw new Error(`--temporal must be one of ${SCRATCH_TEMPORALS.join(', ')}`);
const concurrency = Number(values.concurrency);
const dueTogether = Number(values.due);
/** How many of the N (the first ones) are updated, floor and duzhan alike. */
const updated = values.updates === undefined ? households : Number(values.updates);
/**
 * How many trivial workflows the floor starts (default: as many as the households). A 100,000 run
 * measures its floor on a sample: the floor's per-operation figures do not depend on the number, and
 * its own 100,000 starts, idle checks and finishing signals would add about an hour.
 */
const floorCount = values.floor === undefined ? households : Number(values.floor);
/** The floor updates as many of its workflows as the households are visited, within its sample. */
const floorUpdated = Math.min(updated, floorCount);
const shape = { villageSize: Number(values['village-size']) };
/** Seconds from the start of the "due together" phase to the minute its visits fall due. */
/** Unset: twice what admitting and visiting them takes at the main phase's rates, plus a minute. */
const dueAfterOption = values['due-after'] === undefined ? undefined : Number(values['due-after']);
if (
  !(
    households >= 1 &&
    concurrency >= 1 &&
    dueTogether >= 0 &&
    Number.isInteger(updated) &&
    updated >= 1 &&
    updated <= households &&
    Number.isInteger(floorCount) &&
    floorCount >= 1 &&
    floorCount <= households &&
    (dueAfterOption ?? 30) >= 30 &&
    Number.isInteger(shape.villageSize) &&
    shape.villageSize >= 1
  )
)
  throw new Error(
    '--households, --concurrency and --village-size must be ≥ 1, --due ≥ 0, --due-after ≥ 30, --updates and --floor from 1 to --households',
  );

// Everything started is stopped in reverse order, at the end, on failure and on Ctrl-C.
const stops: Array<() => Promise<void>> = [];
/** The one stopping under way: whoever asks again (the end, a failure, Ctrl-C, a crash) waits for it. */
let stopping: Promise<void> | undefined;
/** Runs one stop; its failure is told and does not keep the others from running. */
const runStop = (stop: () => Promise<void>) => stop().catch((e: Error) => say(`stop: ${e.message}`));
const stopAll = () =>
  (stopping ??= (async () => {
    for (const stop of stops.splice(0).reverse()) await runStop(stop);
  })());
/** Keeps `stop` for the end; run at once when the run has already ended (a phase left behind by a dead server). */
const onStop = (stop: () => Promise<void>) => {
  if (stopping) void runStop(stop);
  else stops.push(stop);
};
// A crash anywhere still stops the servers: a call a failed phase left behind throws from a timer
// once its connection is closed, and a bench that died of it left a Temporal dev server of 22 GiB.
process.on('uncaughtException', (error) => {
  // Once stopping, these are the calls left behind, one per lane: the failure itself is already told.
  if (!stopping) say(`stopping after an uncaught error: ${error.message}`);
  void stopAll().then(() => process.exit(1));
});
// Ctrl-C reaches the servers too (the whole process group): their deaths are then no failure.
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  void stopAll().then(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopAll();
  // A phase the failure left behind would keep retrying its calls for a while: not waited for.
  if (process.exitCode) process.exit(process.exitCode);
}

async function main() {
  const infra = await startScratchInfrastructure(path.join(root, '.tools'), say, { temporal });
  onStop(infra.stop);
  // A server that dies mid-run ends the run with its last lines, instead of calls retried for ever.
  const failed = infra.failed.catch((error: Error) => {
    if (!interrupted) throw error;
    return new Promise<never>(() => {});
  });
  await Promise.race([measure(infra), failed]);
}

async function measure(infra: ScratchInfrastructure) {
  const prisma = createPrisma(infra.databaseUrl);
  onStop(() => prisma.$disconnect());
  const householdIds = await createBenchHouseholds(prisma, households, shape, MAIN_PREFIX);
  say(`${households} households written; starting the worker`);

  const taskQueue = 'bench';
  const worker = await startWorkerProcess(infra.temporalAddress, infra.databaseUrl, taskQueue);
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  say(`load average ${load()}`);
  onStop(() => stopWorkerProcess(worker));
  const pid = worker.pid ?? 0;
  const pids: PartPids = { worker: pid, temporal: infra.temporalPids };
  const connection = await Connection.connect({ address: infra.temporalAddress });
  onStop(() => connection.close());
  const client = new Client({ connection, namespace: 'default' });

  // Peak RSS per phase: VmHWM is reset between phases (clear_refs 5) when the kernel allows it.
  const idle = await memoryMiB(pid);
  const perPhase = await resetPeak(pid);

  const idleCpu = await idleCpuPerSecond(pids, IDLE_SAMPLE_SECONDS);
  say(
    `idle CPU, taken off each phase: ${PARTS.map((p) => `${PART_LABELS[p]} ${(idleCpu[p] * 1000).toFixed(0)} ms/s`).join(', ')}`,
  );
  const memory = sampleMemory(pids, say, () => `${progress.phase}${progress.counted}, load ${load()}`);
  onStop(async () => memory.stop());
  enterPhase('floor');
  say(`floor: ${floorCount} trivial workflows through the raw client`);
  const floor = await floorPhase(client, `${taskQueue}-floor`, pids, idleCpu);
  // Held by F workflows, not N: no floor to set beside the households' peak when the floor is a sample.
  floor.workerPeakRssMiB = floorCount < households ? Number.NaN : (await memoryMiB(pid)).peak;
  if (perPhase) await resetPeak(pid);

  enterPhase('households');
  say(`duzhan: ${households} household workflows`);
  const { admissionSeconds, ...duzhan } = await householdPhase(
    client,
    prisma,
    taskQueue,
    householdIds,
    pids,
    idleCpu,
  );
  duzhan.workerPeakRssMiB = (await memoryMiB(pid)).peak;

  printTable(duzhan, floor, perPhase, households / admissionSeconds, undefined);
  let due: DueFigures | undefined;
  if (dueTogether > 0) {
    enterPhase('due together');
    say(`due together: ${dueTogether} more households, next visits due in the same minute`);
    const dueAfterSeconds =
      dueAfterOption ??
      Math.ceil(
        60 + 2 * (dueTogether / (households / admissionSeconds) + dueTogether / duzhan.updatesPerSecond),
      );
    due = await dueTogetherPhase(client, prisma, taskQueue, dueAfterSeconds);
    say(`floor: ${dueTogether} timers due at the same moments`);
    due.floorLatenessMs = await floorTimerPhase(client, `${taskQueue}-floor`, due.dueAtMs);
  }
  const overallPeak = (await memoryMiB(pid)).peak;
  const memoryPeak = await memory.peakWithOneMoreSample();
  const mainThread = await mainThreadMemory(worker);
  const peakRss = Math.max(overallPeak, duzhan.workerPeakRssMiB);

  if (due) printTable(duzhan, floor, perPhase, households / admissionSeconds, due);
  console.log(
    `\nadmission: all ${households} first visit tasks open (and notified) ${admissionSeconds.toFixed(1)} s ` +
      `after the first start: ${(households / admissionSeconds).toFixed(1)} households/s`,
  );
  if (due) {
    const spread = (Math.max(...due.dueAtMs) - Math.min(...due.dueAtMs)) / 1000;
    console.log(
      `due together: ${dueTogether} visits due within ${spread.toFixed(1)} s of each other, ` +
        `${households} other households asleep; task opening late by p50 ${percentile(due.latenessMs, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(due.latenessMs, 99).toFixed(0)} ms, max ${Math.max(...due.latenessMs).toFixed(0)} ms`,
    );
  }
  console.log(`load average at the end ${load()} (the machine is shared: read the ratios)`);
  console.log(
    `worker RSS: ${idle.rss.toFixed(0)} MiB idle after start-up (both bundles loaded), ` +
      `${peakRss.toFixed(0)} MiB peak over the whole run`,
  );
  if (mainThread)
    console.log(
      `worker main thread: V8 heap peak ${mainThread.heapTotalMiB.toFixed(0)} MiB (limit ${mainThread.mainHeapLimitMiB.toFixed(0)}), ` +
        `external ${mainThread.externalMiB.toFixed(0)} MiB; the rest is the workflow threads and native memory`,
    );
  console.log(
    `memory at its peak (PSS, sampled each minute and at the end): ${PARTS.map((p) => `${PART_LABELS[p]} ${memoryPeak[p].toFixed(0)} MiB`).join(', ')}`,
  );
  console.log(
    `households ${households} (${updated} visited) in villages of ${shape.villageSize}, ` +
      `floor ${floorCount} (${floorUpdated} updated), concurrency ${concurrency}, Temporal: ${temporal}, ` +
      `${os.cpus().length} CPUs, Node ${process.version}`,
  );

  const results = {
    at: new Date().toISOString(),
    households,
    updated,
    temporal,
    floorWorkflows: floorCount,
    floorUpdated,
    villageSize: shape.villageSize,
    concurrency,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    duzhan: { ...duzhan, admissionSeconds, admissionPerSecond: households / admissionSeconds },
    floor,
    dueTogether: due
      ? {
          households: dueTogether,
          latenessP50Ms: percentile(due.latenessMs, 50),
          latenessP99Ms: percentile(due.latenessMs, 99),
          floorLatenessP50Ms: percentile(due.floorLatenessMs, 50),
          floorLatenessP99Ms: percentile(due.floorLatenessMs, 99),
        }
      : undefined,
    workerRssMiB: { idle: idle.rss, peak: peakRss, peakIsPerPhase: perPhase, mainThread },
    memoryPeakPssMiB: memoryPeak,
    idleCpuMsPerSecond: byPart((p) => idleCpu[p] * 1000),
    loadAverage: os.loadavg(),
  };
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(
    // A sampled run (--updates, --floor) or on another server keeps its own file beside the full run's.
    path.join(
      root,
      `bench/results/households-${households}${updated < households ? `-visited-${updated}` : ''}` +
        `${floorCount < households ? `-floor-${floorCount}` : ''}` +
        `${temporal === 'memory' ? '' : `-temporal-${temporal}`}.json`,
    ),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  say('figures written to bench/results/latest.json');
}

/** Trivial workflows: started, then one `bump` update each once they are idle, then finished. */
async function floorPhase(
  client: Client,
  taskQueue: string,
  pids: PartPids,
  idle: CpuSeconds,
): Promise<PhaseFigures> {
  const ids = Array.from({ length: floorCount }, (_, i) => `bench-floor-${i + 1}`);
  const cpuAtStart = await cpuSeconds(pids);
  const startMs = await timed(() =>
    forEachLimit(ids, concurrency, async (workflowId) => {
      await started(() => client.workflow.start(floorWorkflow, { workflowId, taskQueue }));
    }),
  );
  // Idle = its first workflow task completed (4 events), as the households are when updated.
  const isIdle = async (id: string) => (await client.workflow.getHandle(id).describe()).historyLength >= 4;
  await forEachLimit(ids, concurrency, (id) => until(() => isIdle(id)));
  const cpuAtIdle = await cpuSeconds(pids);
  // The describe calls that found them idle cost the server too: one more pass measures them.
  await forEachLimit(ids, concurrency, async (id) => void (await isIdle(id)));
  const polling = perOperationMs(cpuAtIdle, await cpuSeconds(pids), ids.length, idle);
  const cpuBeforeUpdates = await cpuSeconds(pids);
  const latencies: number[] = [];
  const updateMs = await timed(() =>
    forEachLimit(ids.slice(0, floorUpdated), concurrency, async (id) => {
      const handle = client.workflow.getHandle(id);
      latencies.push(
        await timed(() => persistently(() => handle.executeUpdate(bumpUpdate, { updateId: 'bump' }))),
      );
    }),
  );
  const cpuAtEnd = await cpuSeconds(pids);
  await forEachLimit(ids, concurrency, (id) => client.workflow.getHandle(id).signal(finishSignal));
  return {
    ...figures(ids.length, startMs, floorUpdated, updateMs, latencies),
    cpuPerStartMs: lessOverhead(perOperationMs(cpuAtStart, cpuAtIdle, ids.length, idle), polling),
    cpuPerUpdateMs: perOperationMs(cpuBeforeUpdates, cpuAtEnd, floorUpdated, idle),
  };
}

/** Household workflows: started, admitted until the first visit task is open, then that task completed. */
async function householdPhase(
  client: Client,
  prisma: PrismaClient,
  taskQueue: string,
  ids: string[],
  pids: PartPids,
  idle: CpuSeconds,
): Promise<PhaseFigures & { admissionSeconds: number }> {
  const phaseStarted = performance.now();
  const cpuAtStart = await cpuSeconds(pids);
  const startMs = await timed(() =>
    forEachLimit(ids, concurrency, async (householdId) => {
      await started(() =>
        client.workflow.start(householdWorkflow, {
          workflowId: householdWorkflowId(householdId),
          taskQueue,
          args: [{ householdId, policy: DEFAULT_POLICY }],
        }),
      );
    }),
  );
  say(`started in ${(startMs / 1000).toFixed(1)} s; waiting for the first visit tasks`);
  const visits = await admitted(prisma, MAIN_PREFIX, ids.length);
  const admissionSeconds = (performance.now() - phaseStarted) / 1000;
  say(`all first visits open after ${admissionSeconds.toFixed(1)} s; completing them`);
  const cpuAtAdmitted = await cpuSeconds(pids);

  const latencies: number[] = [];
  const visited = ids.slice(0, updated);
  const updateMs = await timed(() =>
    forEachLimit(visited, concurrency, async (id) => {
      latencies.push(await timed(() => completeFirstVisit(client, id, visits)));
    }),
  );
  const cpuAtEnd = await cpuSeconds(pids);
  const done = await prisma.task.count({
    where: { kind: 'VISIT', status: 'DONE', householdId: { startsWith: MAIN_PREFIX } },
  });
  if (done !== visited.length)
    throw new Error(`${done} of ${visited.length} visit tasks are DONE in the database`);
  return {
    ...figures(ids.length, startMs, visited.length, updateMs, latencies),
    admissionSeconds,
    cpuPerStartMs: perOperationMs(cpuAtStart, cpuAtAdmitted, ids.length, idle),
    cpuPerUpdateMs: perOperationMs(cpuAtAdmitted, cpuAtEnd, visited.length, idle),
  };
}

type OpenVisit = { id: string; assigneeId: string; openedAt: Date };

/**
 * Waits until the `count` households whose ids start with `prefix` each have their first visit task
 * open and its TASK_OPENED notice written (read from the read model, as the pages do: no queries to
 * the workflows), read once a second by prefix (a list of 10,000 ids in
 * every poll cost PostgreSQL more than the polls were worth, and counted in the admission's CPU).
 */
async function admitted(
  prisma: PrismaClient,
  prefix: string,
  count: number,
): Promise<Map<string, OpenVisit>> {
  const where = { kind: 'VISIT', status: 'OPEN', householdId: { startsWith: prefix } } as const;
  await untilCount(() => prisma.task.count({ where }), count, 1_000);
  await untilCount(
    () => prisma.notification.count({ where: { kind: 'TASK_OPENED', householdId: { startsWith: prefix } } }),
    count,
    1_000,
  );
  const tasks = await prisma.task.findMany({
    where,
    select: { id: true, householdId: true, assigneeId: true, openedAt: true },
  });
  return new Map(tasks.map((t) => [t.householdId, t]));
}

/** A cadre's visit record for the household's open visit, through the update the web app sends. */
async function completeFirstVisit(client: Client, id: string, visits: Map<string, OpenVisit>) {
  const task = visits.get(id);
  if (!task) throw new Error(`no visit task for ${id}`);
  const args = {
    taskId: task.id,
    byCadreId: task.assigneeId,
    record: compliantRecord(task.assigneeId, task.openedAt.toISOString()),
  };
  // Retried with the same update id, a call the server did not answer in time attaches to its update.
  const handle = client.workflow.getHandle(householdWorkflowId(id));
  return persistently(() =>
    handle.executeUpdate(completeTaskUpdate, { args: [args], updateId: `bench-complete-${task.id}` }),
  );
}

interface DueFigures {
  /** When each visit fell due (the workflow's nextVisitAt), ms since the epoch. */
  dueAtMs: number[];
  /** How long after its due time each visit task opened (its openedAt, workflow time). */
  latenessMs: number[];
  floorLatenessMs: number[];
}

/**
 * With the N households asleep, `dueTogether` more are started on a bench policy whose visit cadence
 * ends `dueAfterSeconds` after the phase began (the policy's days, fractional here only), admitted,
 * their first visit completed; then their second visit tasks all fall due within the same minute.
 */
async function dueTogetherPhase(
  client: Client,
  prisma: PrismaClient,
  taskQueue: string,
  dueAfterSeconds: number,
): Promise<DueFigures> {
  const ids = await createBenchHouseholds(prisma, dueTogether, shape, DUE_PREFIX);
  const dueAt = Date.now() + dueAfterSeconds * 1000;
  await forEachLimit(ids, concurrency, async (householdId) => {
    const days = (dueAt - Date.now()) / 86_400_000;
    const policy = {
      ...DEFAULT_POLICY,
      visitEveryDays: { ...DEFAULT_POLICY.visitEveryDays, MARGINAL: days },
    };
    await started(() =>
      client.workflow.start(householdWorkflow, {
        workflowId: householdWorkflowId(householdId),
        taskQueue,
        args: [{ householdId, policy }],
      }),
    );
  });
  const visits = await admitted(prisma, DUE_PREFIX, ids.length);
  const dueAtMs = new Map<string, number>();
  await forEachLimit(ids, concurrency, async (id) => {
    const view = await completeFirstVisit(client, id, visits);
    dueAtMs.set(id, Date.parse(view.nextVisitAt));
  });
  const late = (Math.max(...dueAtMs.values()) - Date.now()) / 1000;
  if (Math.min(...dueAtMs.values()) < Date.now())
    throw new Error(
      'the due-together households were not ready before their visits fell due: raise --due-after',
    );
  say(`${ids.length} households asleep until their visits fall due, the last in ${late.toFixed(0)} s`);
  const where = {
    kind: 'VISIT',
    householdId: { in: ids },
    openedAt: { gt: new Date(Math.min(...dueAtMs.values()) - 1) },
  } as const;
  // Nothing can open before the first is due: waiting for it would count as "stuck" when the visits
  // fall due more than untilCount's three minutes ahead (a large --due).
  await sleep(Math.max(0, Math.min(...dueAtMs.values()) - Date.now()));
  await untilCount(() => prisma.task.count({ where }), ids.length, 1_000);
  const second = await prisma.task.findMany({ where, select: { householdId: true, openedAt: true } });
  return {
    dueAtMs: [...dueAtMs.values()],
    latenessMs: second.map((t) => t.openedAt.getTime() - (dueAtMs.get(t.householdId) ?? Number.NaN)),
    floorLatenessMs: [],
  };
}

/** The floor: as many trivial workflows sleeping on a timer, due at the same spread of moments. */
async function floorTimerPhase(client: Client, taskQueue: string, dueAtMs: number[]): Promise<number[]> {
  const shift = Date.now() + 60_000 - Math.min(...dueAtMs);
  const ids = dueAtMs.map((_, i) => `bench-floor-timer-${i + 1}`);
  await forEachLimit(dueAtMs, concurrency, async (due, i) => {
    const workflowId = ids[i] ?? '';
    await started(() =>
      client.workflow.start(floorTimerWorkflow, { workflowId, taskQueue, args: [due + shift] }),
    );
  });
  const handles = ids.map((id) => client.workflow.getHandle<typeof floorTimerWorkflow>(id));
  const lateness: number[] = [];
  await forEachLimit(handles, concurrency, async (handle) => {
    lateness.push(await handle.result());
  });
  return lateness;
}

function figures(
  startCount: number,
  startMs: number,
  updateCount: number,
  updateMs: number,
  latencies: number[],
): Omit<PhaseFigures, 'cpuPerStartMs' | 'cpuPerUpdateMs'> {
  return {
    startsPerSecond: startCount / (startMs / 1000),
    updateP50Ms: percentile(latencies, 50),
    updateP99Ms: percentile(latencies, 99),
    updatesPerSecond: updateCount / (updateMs / 1000),
    workerPeakRssMiB: Number.NaN,
  };
}

function cpuRows(
  label: string,
  duzhan: PerOperationMs,
  floor: PerOperationMs,
): Array<[string, number, number, number]> {
  return [...PARTS, 'all' as const].map((part) => [
    `${label}: ${PART_LABELS[part]}`,
    duzhan[part],
    floor[part],
    1,
  ]);
}

function printTable(
  duzhan: PhaseFigures,
  floor: PhaseFigures,
  perPhase: boolean,
  admissionPerSecond: number,
  due: DueFigures | undefined,
) {
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
    ['admission households/s', admissionPerSecond, Number.NaN, 1],
    // Where the CPU goes (ms of one core): a start until idle (floor) beside an admission (duzhan).
    ...cpuRows('CPU ms per start/admission', duzhan.cpuPerStartMs, floor.cpuPerStartMs),
    ...cpuRows('CPU ms per update', duzhan.cpuPerUpdateMs, floor.cpuPerUpdateMs),
    ...(due
      ? ([
          [
            'due together: lateness p50 ms',
            percentile(due.latenessMs, 50),
            percentile(due.floorLatenessMs, 50),
            0,
          ],
          [
            'due together: lateness p99 ms',
            percentile(due.latenessMs, 99),
            percentile(due.floorLatenessMs, 99),
            0,
          ],
        ] as Array<[string, number, number, number]>)
      : []),
  ];
  const header = ['metric', 'duzhan', 'floor (raw client)', 'duzhan ÷ floor'];
  const cells = rows.map(([name, d, f, digits]) => [
    name,
    d.toFixed(digits),
    Number.isNaN(f) ? '–' : f.toFixed(digits),
    // No ratio to a floor that is not there or too small to show (the floor's PostgreSQL: nothing).
    Number.isNaN(f) || Number(f.toFixed(digits)) === 0 ? '–' : (d / f).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(`\n${line(header)}`);
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

/**
 * Retries a call the server did not answer in time (a shared machine's dev server can stall for
 * seconds, an update wait past the server's deadline); the calls retried are idempotent (a start
 * finds its workflow, an update its id).
 */
async function persistently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const unanswered =
        error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError;
      if (attempt >= 10 || !unanswered) throw error;
      say(`retrying after: ${error.message}`);
      await sleep(1_000 * attempt);
    }
  }
}

/** A start, retried like `persistently`; a retry that finds the workflow already started is done. */
async function started(start: () => Promise<unknown>): Promise<void> {
  await persistently(() =>
    start().catch((error: unknown) => {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }),
  );
}

/** Calls `probe` every `intervalMs` until it returns true; gives up after ten minutes. */
async function until(probe: () => Promise<boolean>, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('gave up waiting after 10 minutes');
    await sleep(intervalMs);
  }
}

/**
 * Reads `count` every `intervalMs` until it reaches `target`. Gives up only when it has not grown for
 * three minutes: a large run may take far longer than any fixed limit, a stuck one does not grow.
 */
async function untilCount(count: () => Promise<number>, target: number, intervalMs: number): Promise<void> {
  let last = -1;
  let grewAt = Date.now();
  for (let n = await count(); n < target; n = await count()) {
    progress.counted = ` ${n} of ${target}`;
    if (n > last) [last, grewAt] = [n, Date.now()];
    else if (Date.now() - grewAt > 180_000) throw new Error(`stuck at ${n} of ${target} for 3 minutes`);
    await sleep(intervalMs);
  }
}

async function startWorkerProcess(address: string, databaseUrl: string, taskQueue: string) {
  // BENCH_WORKER_NODE_ARGS: more Node options for the worker, e.g. `--cpu-prof --cpu-prof-dir=DIR`.
  const profiling = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const memory = values['worker-memory'] ? Number(values['worker-memory']) : undefined;
  const child = spawn(
    process.execPath,
    [...workerNodeOptions(memory), ...profiling, '--import', 'tsx', 'bench/worker-process.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        DATABASE_URL: databaseUrl,
        TASK_QUEUE: taskQueue,
        LOG_LEVEL: 'warn',
        ...(values['worker-memory'] ? { WORKER_MEMORY_MIB: values['worker-memory'] } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
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

interface MainThreadMemory {
  heapTotalMiB: number;
  externalMiB: number;
  mainHeapLimitMiB: number;
}

/** The worker process's own account of its main thread's peak heap (bench/worker-process.ts). */
async function mainThreadMemory(child: ChildProcess): Promise<MainThreadMemory | undefined> {
  if (!child.connected) return undefined;
  const answer = new Promise<MainThreadMemory>((resolve) => {
    const listener = (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'memory' in message) {
        child.off('message', listener);
        resolve((message as { memory: MainThreadMemory }).memory);
      }
    };
    child.on('message', listener);
  });
  child.send('memory');
  return Promise.race([answer, sleep(5_000).then(() => undefined)]);
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
