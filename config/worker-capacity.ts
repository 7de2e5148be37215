// How much a worker holds at once, sized from the memory it is given (WORKER_MEMORY_MIB): the one
// place these numbers are set. Every worker (npm start, npm run worker, the tests, the bench) takes
// them from here, so its RSS stays within its share however many households it runs.

/** A worker with nothing cached: Node, both workflow bundles, Prisma, the SMTP pool, the core SDK. */
const BASELINE_MIB = 420;
/**
 * One cached household workflow (its sandboxed state, the history it keeps, its share of the
 * worker's buffers), measured by `npm run bench` at 1,000 and 10,000 households (README).
 */
const PER_CACHED_WORKFLOW_MIB = 1.6;
/** Kept free for work in flight: workflow tasks replaying uncached histories, activities, GC headroom. */
const IN_FLIGHT_MIB = 160;

/**
 * Tasks of each kind at once: as many as PostgreSQL connections in the worker's pool (node-postgres'
 * default, 10). A workflow task runs its household's writes inside it, so more of them at once only
 * wait for a connection and the CPU, and a task held past its 10 s timeout is run again.
 */
const TASK_SLOTS = 10;

/** What a worker is given when WORKER_MEMORY_MIB is not set. */
export const DEFAULT_WORKER_MEMORY_MIB = 1024;

export interface WorkerCapacity {
  /**
   * V8 heap limit (old space, MiB) of each workflow thread, where the cache lives: without it V8
   * lets garbage pile up to its own default limit (about 4 GiB on these machines) before it
   * collects, and the RSS follows. Applied by startWorker (worker/worker.ts) before the threads start.
   */
  workflowThreadHeapMiB: number;
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
  if (!(memoryMiB >= BASELINE_MIB + IN_FLIGHT_MIB))
    throw new Error(`a worker needs at least ${BASELINE_MIB + IN_FLIGHT_MIB} MiB (WORKER_MEMORY_MIB)`);
  return {
    workflowThreadHeapMiB: memoryMiB - BASELINE_MIB,
    maxCachedWorkflows: Math.floor((memoryMiB - BASELINE_MIB - IN_FLIGHT_MIB) / PER_CACHED_WORKFLOW_MIB),
    maxConcurrentWorkflowTaskExecutions: TASK_SLOTS,
    maxConcurrentLocalActivityExecutions: TASK_SLOTS,
    maxConcurrentActivityTaskExecutions: TASK_SLOTS,
  };
}
