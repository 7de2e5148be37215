// How much a worker holds at once, sized from the memory it is given (WORKER_MEMORY_MIB): the one
// place these numbers are set. Every worker (npm start, npm run worker, the tests, the bench) takes
// them from here, so its RSS stays within its share however many households it runs.

/** A worker with nothing cached: Node, both workflow bundles, Prisma, the SMTP pool, the core SDK. */
const BASELINE_MIB = 420;
/**
 * The main thread's V8 heap limit (activities, Prisma, the SDK's bridge; nothing that grows with
 * the households): a quarter of the memory. Uncapped, V8 let it reach 260 MiB of mostly garbage
 * under the 1,000-household bench. Only a process started with the flag has it (workerNodeOptions).
 */
const MAIN_HEAP_SHARE = 0.25;
/**
 * One cached household workflow: its own copy of the workflow modules (157 KiB, `npm run
 * bench:modules`; 1.35 MiB before zod was shared and the schemas built on first use), its state,
 * the SDK's and the core's share. Measured by `npm run bench -- --worker-memory 4096` with all 1,000
 * households cached: 508 MiB idle, 1,336 MiB peak, so at most 0.83 MiB each, garbage included (README).
 */
const PER_CACHED_WORKFLOW_MIB = 0.8;
/** Kept free for work in flight: workflow tasks replaying uncached histories, activities, GC headroom. */
const IN_FLIGHT_MIB = 160;

/**
 * Tasks of each kind at once: as many as PostgreSQL connections in the worker's pool (node-postgres'
 * default, 10). A workflow task runs its household's writes inside it, so more of them at once only
 * wait for a connection and the CPU, and a task held past its 10 s timeout is run again.
 */
const TASK_SLOTS = 10;

/**
 * Workflow threads (each its own V8 context, heap, copy of the bundle and its source map, the cache
 * shared out between them). One: a second one measured no faster on a machine this busy (both
 * threads stood idle half the run) and cost its baseline again.
 */
const WORKFLOW_THREADS = 1;

/** The least a worker can run in: the baseline, the main thread's share, work in flight and 10 workflows cached. */
export const MIN_WORKER_MEMORY_MIB = Math.ceil(
  (BASELINE_MIB + IN_FLIGHT_MIB + 10 * PER_CACHED_WORKFLOW_MIB) / (1 - MAIN_HEAP_SHARE),
);

/** What a worker is given when WORKER_MEMORY_MIB is not set. */
export const DEFAULT_WORKER_MEMORY_MIB = 1024;

export interface WorkerCapacity {
  /**
   * V8 heap limit (old space, MiB) of each workflow thread, where the cache lives (what is left
   * after the baseline, shared between the threads): without it V8
   * lets garbage pile up to its own default limit (about 4 GiB on these machines) before it
   * collects, and the RSS follows. Applied by startWorker (worker/worker.ts) before the threads start.
   */
  workflowThreadHeapMiB: number;
  /** The main thread's heap limit, given at process start (workerNodeOptions). */
  mainThreadHeapMiB: number;
  /** Workflow threads; the heap limit above is each one's. */
  workflowThreadPoolSize: number;
  /** Sticky cache: workflows kept in memory between tasks; one evicted is replayed from its history. */
  maxCachedWorkflows: number;
  /** Workflow tasks run at once (a household's local activities run inside them). */
  maxConcurrentWorkflowTaskExecutions: number;
  /** Local activities at once: the household's PostgreSQL writes. */
  maxConcurrentLocalActivityExecutions: number;
  /** Remote activities at once: e-mail sends, the digest, the policy upgrade's pages. */
  maxConcurrentActivityTaskExecutions: number;
}

/** The worker's limits for `memoryMiB` of memory: fixed task slots, and the cache takes what is left. */
export function workerCapacity(memoryMiB = DEFAULT_WORKER_MEMORY_MIB): WorkerCapacity {
  if (!(memoryMiB >= MIN_WORKER_MEMORY_MIB))
    throw new Error(`a worker needs at least ${MIN_WORKER_MEMORY_MIB} MiB (WORKER_MEMORY_MIB)`);
  const mainThreadHeapMiB = Math.floor(memoryMiB * MAIN_HEAP_SHARE);
  // The workflow threads take what the baseline and the main thread's heap leave; the cache is
  // sized to fit in it, with room for the work in flight.
  const workflowHeapMiB = memoryMiB - BASELINE_MIB - mainThreadHeapMiB;
  return {
    workflowThreadHeapMiB: Math.floor(workflowHeapMiB / WORKFLOW_THREADS),
    mainThreadHeapMiB,
    workflowThreadPoolSize: WORKFLOW_THREADS,
    maxCachedWorkflows: Math.floor((workflowHeapMiB - IN_FLIGHT_MIB) / PER_CACHED_WORKFLOW_MIB),
    maxConcurrentWorkflowTaskExecutions: TASK_SLOTS,
    maxConcurrentLocalActivityExecutions: TASK_SLOTS,
    maxConcurrentActivityTaskExecutions: TASK_SLOTS,
  };
}

/**
 * The Node option that caps a worker process's main-thread heap: a V8 flag only takes effect when
 * the process starts, so whoever starts a worker process passes it (the bench, the tests that
 * spawn `scripts/worker.ts`, the compose file's NODE_OPTIONS). The workflow threads are capped by
 * startWorker itself.
 */
export function workerNodeOptions(memoryMiB = DEFAULT_WORKER_MEMORY_MIB): string[] {
  return [`--max-old-space-size=${workerCapacity(memoryMiB).mainThreadHeapMiB}`];
}
