import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import { headOnlyProfile } from '../helpers/household-profiles.js';
import type { ApiClient } from '../helpers/http-client.js';
import { eventually, type RealStack } from '../helpers/real-stack.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';

// The real path end to end: HTTP → Express → a workflow on the real Temporal server →
// an activity writes through Prisma → the row is read back from the real PostgreSQL.
describe('POST /api/households through Temporal into PostgreSQL', () => {
  let server: AppServer;
  let admin: ApiClient;
  let stack: RealStack;
  let town: TownshipFixture;

  beforeAll(async () => {
    server = await startAppServer();
    ({ stack, town } = server);
    admin = await server.client('ADMIN');
  });
  afterAll(async () => server?.close());

  const post = (body: unknown) => admin.raw('POST', '/api/households', { body });

  const number = `E2E${Date.now()}`;

  it('starts household-<id>, whose activities write its admission, cadres and first task', async () => {
    const res = await post({
      number,
      headName: '王德福',
      villageName: `测试村${town.suffix}`,
      category: 'MARGINAL',
      ...headOnlyProfile('王德福'),
    });
    expect(res.status).toBe(201);
    const { household } = (await res.json()) as { household: { id: string; workflowId: string } };
    expect(household.workflowId).toBe(`household-${number}`);

    const row = await eventually(() =>
      stack.prisma.auditLog.findFirst({ where: { householdId: number, action: 'SUPERVISION_STARTED' } }),
    );
    expect(row.workflowId).toBe(`household-${number}`);
    const description = await stack.temporal.workflow.getHandle(household.workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(stack.taskQueue);

    const task = await eventually(() =>
      stack.prisma.task.findFirst({ where: { householdId: number, kind: 'VISIT' } }),
    );
    expect(task.assigneeId).toBe(town.cadres.assistance);
    const roles = await stack.prisma.assignment.findMany({ where: { householdId: number, to: null } });
    expect(roles.map((a) => a.role).sort()).toEqual(['ASSISTANCE', 'LEADER']);
  });

  it('refuses a second start with 409 and never a second workflow', async () => {
    const res = await post({
      number,
      headName: '王德福',
      villageName: `测试村${town.suffix}`,
      category: 'MARGINAL',
      ...headOnlyProfile('王德福'),
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('conflict');
    expect(body.error.message).toContain(number);
    const runs = [];
    for await (const w of stack.temporal.workflow.list({ query: `WorkflowId = 'household-${number}'` }))
      runs.push(w);
    expect(runs).toHaveLength(1);
  });

  it('answers bad input with 400, a Chinese message, and writes nothing', async () => {
    const bad = `BAD${Date.now()}`;
    const res = await post({
      number: bad,
      headName: '',
      villageName: '红旗村',
      category: 'RICH',
      ...headOnlyProfile('王德福'),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { path: string }[] };
    };
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['category', 'headName']);
    expect(body.error.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(await stack.prisma.household.findUnique({ where: { number: bad } })).toBeNull();
  });

  it('answers malformed JSON and oversized bodies with the one error shape', async () => {
    const malformed = await admin.raw('POST', '/api/households', { body: '{"number":' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('bad_json');
    const huge = await post({
      number: 'X1',
      headName: 'x'.repeat(200_000),
      villageName: 'v',
      category: 'MARGINAL',
    });
    expect(huge.status).toBe(413);
  });
});
