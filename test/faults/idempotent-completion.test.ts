import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupervision } from '../../domain/supervision.js';
import type { ApiError } from '../../server/errors.js';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import type { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { compliantRecord } from '../helpers/visit-records.js';

interface Completed {
  taskId: string;
  followUpsOpened: Array<{ findingKind: string }>;
  openTasks: Array<{ id: string }>;
}

// The real app, Temporal and PostgreSQL: a completion sent again answers as the first time did.
describe('completing a task twice', () => {
  let server: AppServer;
  let leader: ApiClient;

  beforeAll(async () => {
    server = await startAppServer();
    leader = await server.client('LEADER');
  });
  afterAll(async () => server?.close());

  async function openVisit(): Promise<string> {
    const id = await server.town.addHousehold();
    await startSupervision(server.stack, id);
    const task = await eventually(() =>
      server.stack.prisma.task.findFirst({ where: { householdId: id, kind: 'VISIT', status: 'OPEN' } }),
    );
    return task.id;
  }

  const complete = (taskId: string, key?: string, income = 2500) =>
    leader.json<Completed & ApiError>(
      'POST',
      `/api/tasks/${encodeURIComponent(taskId)}/complete`,
      {
        record: compliantRecord(server.town.cadres.assistance, new Date().toISOString(), {
          perCapitaIncomeYuan: income,
        }),
      },
      key ? { 'Idempotency-Key': key } : undefined,
    );

  it('with the same Idempotency-Key, at once or later: the first answer each time, one visit', async () => {
    const taskId = await openVisit();
    const key = randomUUID();
    const [first, doubled] = await Promise.all([complete(taskId, key), complete(taskId, key)]);
    const later = await complete(taskId, key);
    for (const answer of [first, doubled, later])
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(doubled.body).toEqual(first.body);
    expect(later.body).toEqual(first.body);
    expect(first.body.followUpsOpened.map((t) => t.findingKind)).toEqual(['INCOME_BELOW_LINE']);
    expect(await server.stack.prisma.visitRecord.count({ where: { taskId } })).toBe(1);
  });

  it('with another key while the first is still being applied, or after: 409, one visit', async () => {
    const taskId = await openVisit();
    const [a, b] = await Promise.all([complete(taskId, randomUUID()), complete(taskId, randomUUID())]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const refused = a.status === 409 ? a : b;
    expect(refused.body.error.message).toBe('该任务已经办结或已取消');
    const after = await complete(taskId);
    expect(after.status).toBe(409);
    expect(await server.stack.prisma.visitRecord.count({ where: { taskId } })).toBe(1);
  });

  it('refuses a malformed Idempotency-Key with 400, changing nothing', async () => {
    const taskId = await openVisit();
    const res = await complete(taskId, 'bad key!');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Idempotency-Key/);
    const task = await server.stack.prisma.task.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('OPEN');
  });
});
