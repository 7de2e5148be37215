import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WORKER_MEMORY_MIB,
  MIN_WORKER_MEMORY_MIB,
  workerCapacity,
  workerNodeOptions,
} from '../../config/worker-capacity.js';

describe('the worker is sized from WORKER_MEMORY_MIB in one place', () => {
  it.each([MIN_WORKER_MEMORY_MIB, DEFAULT_WORKER_MEMORY_MIB, 2048, 8192])(
    'at %i MiB the heaps it caps stay within the memory, and the cache fits in the workflow heap',
    (memoryMiB) => {
      const c = workerCapacity(memoryMiB);
      const heaps = c.mainThreadHeapMiB + c.workflowThreadHeapMiB * c.workflowThreadPoolSize;
      // 420 MiB of baseline (Node, the bundles, Prisma, the core SDK) is outside both heaps.
      expect(heaps + 420).toBeLessThanOrEqual(memoryMiB);
      expect(c.maxCachedWorkflows).toBeGreaterThanOrEqual(10);
      expect(c.maxCachedWorkflows * 0.8).toBeLessThan(c.workflowThreadHeapMiB * c.workflowThreadPoolSize);
    },
  );

  it('grows the cache with the memory, not the task slots', () => {
    const small = workerCapacity(1024);
    const large = workerCapacity(4096);
    expect(large.maxCachedWorkflows).toBeGreaterThan(small.maxCachedWorkflows * 3);
    expect(large.maxConcurrentWorkflowTaskExecutions).toBe(small.maxConcurrentWorkflowTaskExecutions);
  });

  it('refuses less than the least a worker runs in', () => {
    expect(() => workerCapacity(MIN_WORKER_MEMORY_MIB - 1)).toThrow(/at least/);
  });

  it("gives a worker process its main thread's heap cap as a Node option", () => {
    expect(workerNodeOptions(1024)).toEqual([
      `--max-old-space-size=${workerCapacity(1024).mainThreadHeapMiB}`,
    ]);
  });
});
