import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';

// Activity failures that cannot heal and activities retrying for over an hour are written as audit
// rows by the activities themselves (activities/failure-triage.ts); admins see them on /admin and at
// GET /api/activity-health, with the household they hold up.
describe('the admins’ view of activities in trouble', () => {
  let server: AppServer;
  let householdId: string;
  let cancelledId: string;
  let readmittedId: string;

  beforeAll(async () => {
    server = await startAppServer();
    householdId = await server.town.addHousehold();
    cancelledId = await server.town.addHousehold();
    readmittedId = await server.town.addHousehold();
    const { prisma } = server.stack;
    // Both stay CANCELLED in the register: the readmitted one until its new run admits it.
    await prisma.household.updateMany({
      where: { id: { in: [cancelledId, readmittedId] } },
      data: { status: 'CANCELLED' },
    });
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    const retrying = (id: string, attempt: number, at: Date) => ({
      at,
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
        retrying(householdId, 42, minutesAgo(1)),
        // Its run was cancelled after the activity's last attempt (a pairing that waited, cancelled in
        // its backoff): nothing retries any more.
        retrying(cancelledId, 17, minutesAgo(5)),
        { at: minutesAgo(2), actor: 'admin', action: 'SUPERVISION_CANCELLED', householdId: cancelledId },
        // Cancelled two hours ago, then readmitted (回退): its new run's activity retries now.
        { at: minutesAgo(120), actor: 'admin', action: 'SUPERVISION_CANCELLED', householdId: readmittedId },
        retrying(readmittedId, 23, minutesAgo(1)),
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
    // Nothing of an ended run retries: its row is not shown; a later run's is.
    expect(api.body.retrying.some((r) => r.attempt === 17)).toBe(false);
    expect(table).not.toContain(cancelledId);
    expect(api.body.retrying.some((r) => r.attempt === 23)).toBe(true);
    const leader = await server.client('LEADER');
    expect((await leader.json('GET', '/api/activity-health')).status).toBe(403);
  });
});
