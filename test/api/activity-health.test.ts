import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';

// Activity failures that cannot heal and activities retrying for over an hour are written as audit
// rows by the activities themselves (activities/failure-triage.ts); admins see them on /admin and at
// GET /api/activity-health, with the household they hold up.
describe('the admins’ view of activities in trouble', () => {
  let server: AppServer;
  let householdId: string;
  let cancelledId: string;

  beforeAll(async () => {
    server = await startAppServer();
    householdId = await server.town.addHousehold();
    cancelledId = await server.town.addHousehold();
    const { prisma } = server.stack;
    // Its supervision ended while an activity of its run was retrying (a pairing that waited).
    await prisma.household.update({ where: { id: cancelledId }, data: { status: 'CANCELLED' } });
    const retrying = (id: string, attempt: number) => ({
      actor: 'workflow',
      action: 'ACTIVITY_RETRYING',
      householdId: id,
      detail: {
        activityType: 'openTask',
        error: 'connection refused',
        attempt,
        since: new Date().toISOString(),
      },
    });
    await prisma.auditLog.createMany({
      data: [
        {
          actor: 'workflow',
          action: 'ACTIVITY_FAILED',
          householdId,
          detail: { activityType: 'notify', error: '没有编号为 x 的干部' },
        },
        retrying(householdId, 42),
        retrying(cancelledId, 17),
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
    // Nothing of an ended run retries: its row is not shown.
    expect(api.body.retrying.some((r) => r.attempt === 17)).toBe(false);
    expect(table).not.toContain(cancelledId);
    const leader = await server.client('LEADER');
    expect((await leader.json('GET', '/api/activity-health')).status).toBe(403);
  });
});
