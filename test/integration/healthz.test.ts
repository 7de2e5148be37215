import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../domain/health.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';

describe('health of Temporal, PostgreSQL and the worker', () => {
  let stack: RealStack;
  beforeAll(async () => {
    stack = await connectRealStack();
  });
  afterAll(async () => stack?.close());

  it('reports the worker down until one polls the task queue, then all up', async () => {
    const deps = { prisma: stack.prisma, temporal: stack.temporal, taskQueue: stack.taskQueue };
    const before = await checkHealth(deps);
    expect(before).toMatchObject({ ok: false, temporal: { status: 'up' }, postgres: { status: 'up' } });
    expect(before.worker.status).toBe('down');

    await stack.startWorker();
    const after = await eventually(async () => {
      const health = await checkHealth(deps);
      return health.ok ? health : undefined;
    });
    expect(after.worker.status).toBe('up');
  });
});
