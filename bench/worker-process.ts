// The benchmark's worker, in a process of its own so its memory can be measured: the real duzhan
// worker (household workflow, real activities on PostgreSQL) and a worker for the floor workflow on
// `${TASK_QUEUE}-floor`, sharing one connection. Sends 'ready' over IPC; stops on 'stop'.
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workerCapacity } from '../config/worker-capacity.js';
import { createPrisma } from '../db/client.js';
import { quietBundlerLogger, stackTracesOffPath, startWorker } from '../worker/worker.js';

const need = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`bench worker: ${name} is not set`);
  return value;
};
const address = need('TEMPORAL_ADDRESS');
const taskQueue = need('TASK_QUEUE');
const prisma = createPrisma(need('DATABASE_URL'));

Runtime.install({ logger: new DefaultLogger('WARN') });
const household = await startWorker({
  address,
  namespace: 'default',
  taskQueue,
  prisma,
  publicUrl: 'http://duzhan.bench',
  // The figures measure the household workflow; e-mail delivery (one small workflow per
  // notification) is left out, as in the figures recorded before it existed.
  smtpUrl: 'smtp://127.0.0.1:1',
  mailFrom: '督战系统 <duzhan@duzhan.bench>',
  deliverMail: false,
  // The same sizing as every worker: WORKER_MEMORY_MIB when set (--worker-memory), else the default.
  ...(process.env.WORKER_MEMORY_MIB ? { memoryMiB: Number(process.env.WORKER_MEMORY_MIB) } : {}),
});
const floor = await Worker.create({
  connection: household.connection,
  namespace: 'default',
  taskQueue: `${taskQueue}-floor`,
  // With stack traces off as in the household's workers, so the floor runs the same SDK.
  workflowBundle: await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)),
    preloadModules: [stackTracesOffPath],
    logger: quietBundlerLogger,
  }),
  // The same cache and slots as the household worker, so the two share the process alike.
  ...floorCapacity(),
});
const floorDone = floor.run();

/** The household worker's cache and slots (its heap cap, process-wide, is already set). */
function floorCapacity() {
  const {
    workflowThreadHeapMiB: _heap,
    mainThreadHeapMiB: _main,
    ...capacity
  } = workerCapacity(process.env.WORKER_MEMORY_MIB ? Number(process.env.WORKER_MEMORY_MIB) : undefined);
  return capacity;
}

// The floor worker goes first: the household worker closes the shared connection when it is done.
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= (async () => {
    if (floor.getState() === 'RUNNING') floor.shutdown();
    await floorDone;
    if (household.worker.getState() === 'RUNNING') household.worker.shutdown();
    await household.done;
    await prisma.$disconnect();
  })();
  return stopping;
};
// Where the worker's memory is: the main thread's V8 heap (activities, Prisma, the SDK's bridge),
// sampled every second; the rest of the RSS is the workflow threads' heaps and native memory.
const mainPeak = { heapTotalMiB: 0, externalMiB: 0 };
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  mainPeak.heapTotalMiB = Math.max(mainPeak.heapTotalMiB, usage.heapTotal / 2 ** 20);
  mainPeak.externalMiB = Math.max(mainPeak.externalMiB, usage.external / 2 ** 20);
}, 1_000);
sampler.unref();
process.on('message', (message) => {
  if (message === 'stop') void stop().then(() => process.exit(0));
  if (message === 'memory')
    process.send?.({
      memory: { ...mainPeak, mainHeapLimitMiB: v8.getHeapStatistics().heap_size_limit / 2 ** 20 },
    });
});
process.on('disconnect', () => void stop().then(() => process.exit(0)));
process.send?.('ready');
