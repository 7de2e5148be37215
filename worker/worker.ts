import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities/index.js';
import { createMailTransport } from '../activities/mail-transport.js';
import { workerCapacity } from '../config/worker-capacity.js';

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const sharedModulesPath = fileURLToPath(new URL('../workflows/shared-modules.ts', import.meta.url));
/** Preloaded into every workflow thread, before the SDK freezes its globals (see the module). */
export const stackTracesOffPath = fileURLToPath(new URL('../workflows/stack-traces-off.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Workflow code is bundled once per process (about 2 s) and shared by every worker it starts. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    logger: quietBundlerLogger,
    // Run once per workflow thread, before the SDK freezes its globals: stack traces turned off, and
    // zod shared instead of evaluated anew for every household the thread creates or replays (see
    // each module, and shared-modules for why it is not just 'zod').
    preloadModules: [stackTracesOffPath, sharedModulesPath],
  });
  return bundle;
}

export const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
  log: () => {},
};

/** Where the worker polls, plus what its activities need (see ActivityDeps); it makes the SMTP transport. */
export interface WorkerOptions extends Omit<ActivityDeps, 'mailTransport'> {
  address: string;
  namespace: string;
  taskQueue: string;
  /** The memory this worker may use (WORKER_MEMORY_MIB); its cache and task slots are sized from it. */
  memoryMiB?: number;
}

export interface RunningWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Resolves when the worker has stopped; call `worker.shutdown()` to stop it. */
  done: Promise<void>;
}

function activityDepsOf({
  address: _a,
  namespace: _n,
  taskQueue: _t,
  memoryMiB: _m,
  ...deps
}: WorkerOptions): Omit<ActivityDeps, 'mailTransport'> {
  return deps;
}

/**
 * Caps the V8 heap of the workflow threads the next Worker.create starts (a V8 flag is read when an
 * isolate is created; the SDK gives its threads no limits of their own). The flag is process-wide:
 * every workflow thread of the process gets the same cap.
 */
function capWorkflowThreadHeap(heapMiB: number) {
  v8.setFlagsFromString(`--max-old-space-size=${heapMiB}`);
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { workflowThreadHeapMiB, mainThreadHeapMiB: _main, ...capacity } = workerCapacity(options.memoryMiB);
  capWorkflowThreadHeap(workflowThreadHeapMiB);
  const connection = await NativeConnection.connect({ address: options.address });
  // One pooled SMTP transport per worker, closed when the worker has stopped.
  const mailTransport = createMailTransport(options.smtpUrl);
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    ...capacity,
    activities: createActivities({ ...activityDepsOf(options), mailTransport }),
  }).catch(async (error: unknown) => {
    mailTransport.close();
    await connection.close();
    throw error;
  });
  const done = worker.run().finally(() => {
    mailTransport.close();
    return connection.close();
  });
  return { worker, connection, done };
}
