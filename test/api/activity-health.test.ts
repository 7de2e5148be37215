import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';

// Activity failures that cannot heal and activities retrying for over an hour are written as audit
// rows by the activities themselves (activities/failure-triage.ts); admins see them on /admin and at
// GET /api/activity-health, with the household they hold up.
describe('the admins’ view of activities in trouble', () => {
  let server: AppServer;
  let householdId: string;

  beforeAll(async () => {
    server = await startAppServer();
    householdId = await server.town.addHousehold();
    const { prisma } = server.stack;
    await prisma.auditLog.createMany({
      data: [
        {
          actor: 'workflow',
          action: 'ACTIVITY_FAILED',
          householdId,
          detail: { activityType: 'notify', error: '没有编号为 x 的干部' },
        },
        {
          actor: 'workflow',
          action: 'ACTIVITY_RETRYING',
          householdId,
          detail: {
            activityType: 'openTask',
            error: 'connection refused',
            attempt: 42,
            since: new Date().toISOString(),
          },
        },
      ],
    });
  });
  afterAll(async () => server?.close());

  it('lists both on the admin page and in the API, and only for admins', async () => {
    const admin = await server.client('ADMIN');
    const page = await (await admin.raw('GET', '/admin')).text();
    const table = page.slice(page.indexOf('id="activity-health"'));
    expect(table).toContain(householdId);
    expect(table).toContain('已 42 次');
    expect(table).toContain('没有编号为 x 的干部');
    const api = await admin.json<{ failed: unknown[]; retrying: Array<{ attempt: number }> }>(
      'GET',
      '/api/activity-health',
    );
    expect(api.status).toBe(200);
    expect(api.body.retrying.some((r) => r.attempt === 42)).toBe(true);
    const leader = await server.client('LEADER');
    expect((await leader.json('GET', '/api/activity-health')).status).toBe(403);
  });
});
