import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/client.js';

/** A part's state; `reason` (the raw error) only in the full report. */
export type PartHealth = { status: 'up' } | { status: 'down'; reason?: string };

export interface Health {
  ok: boolean;
  temporal: PartHealth;
  postgres: PartHealth;
  worker: PartHealth;
}

/** A health check answers within this, whatever is down (a load balancer's probe must not hang). */
const CHECK_DEADLINE_MS = 3_000;

/** A worker counts as up when it polled the task queue within this span (it polls continuously). */
const WORKER_SEEN_WITHIN_MS = 60_000;

const down = (error: unknown): PartHealth => ({
  status: 'down',
  reason: (error as Error).message.split('\n')[0] ?? '',
});

async function checkPostgres(prisma: PrismaClient): Promise<PartHealth> {
  try {
    await withTimeout(prisma.$queryRaw`SELECT 1`, CHECK_DEADLINE_MS, 'PostgreSQL did not answer in time');
    return { status: 'up' };
  } catch (error) {
    return down(error);
  }
}

async function checkTemporalAndWorker(
  temporal: Client,
  taskQueue: string,
  now: number,
): Promise<{ temporal: PartHealth; worker: PartHealth }> {
  try {
    const { pollers } = await temporal.connection.withDeadline(Date.now() + CHECK_DEADLINE_MS, () =>
      temporal.workflowService.describeTaskQueue({
        namespace: temporal.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      }),
    );
    const recent = pollers.some((p) => {
      const seconds = Number(p.lastAccessTime?.seconds ?? 0);
      return now - seconds * 1000 < WORKER_SEEN_WITHIN_MS;
    });
    return {
      temporal: { status: 'up' },
      worker: recent
        ? { status: 'up' }
        : { status: 'down', reason: `no worker polls task queue ${taskQueue}` },
    };
  } catch (error) {
    return { temporal: down(error), worker: { status: 'down', reason: 'Temporal is down' } };
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Up/down per part without the reasons, for callers who may not read error messages. */
export function healthSummary(health: Health): Health {
  const status = (part: PartHealth) => ({ status: part.status }) as PartHealth;
  return {
    ok: health.ok,
    temporal: status(health.temporal),
    postgres: status(health.postgres),
    worker: status(health.worker),
  };
}

export async function checkHealth(deps: {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
}): Promise<Health> {
  const [postgres, parts] = await Promise.all([
    checkPostgres(deps.prisma),
    checkTemporalAndWorker(deps.temporal, deps.taskQueue, Date.now()),
  ]);
  const health = { postgres, ...parts };
  return { ok: Object.values(health).every((p) => p.status === 'up'), ...health };
}
