import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../db/migrate.js';
import { seedIfEmpty } from '../../domain/seed.js';
import { ensureFirstAdmin } from '../../domain/users.js';
import { createApp } from '../../server/app.js';
import { type Listening, listen } from '../../server/listen.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { DAY, startTimeSkippingStack, type TimeSkippingStack } from '../helpers/time-skipping.js';
import { compliantRecord } from '../helpers/visit-records.js';

const ADMIN_PASSWORD = 'seed admin password';
const VISITS_PER_HOUSEHOLD = 2;

// issue 8's "done when": on the seed township as `npm start` loads it (seedIfEmpty on an empty
// database), every visit can be completed by the cadre it is assigned to, logged in with that
// cadre's seed account — whichever leader the pairing chose. The visits after the first open on
// the cadence timer: the time-skipping server moves the clock.
describe('the seed township: every household visited by its assigned cadres through the API', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let stack: TimeSkippingStack;
  let server: Listening;
  let closeApp: () => Promise<void>;
  let base: string;
  let accounts: Map<string, { username: string; password: string }>;
  let householdIds: string[];
  /** One worker for the whole file (both tests act on the same running workflows): stopped after them. */
  let stopWorker: () => void;
  let worker: Promise<void>;

  beforeAll(async () => {
    db = await scratchDatabase('seed_visits');
    await applyMigrations(db.url);
    stack = await startTimeSkippingStack({ databaseUrl: db.url });
    await ensureFirstAdmin(stack.prisma, ADMIN_PASSWORD);
    const web = createApp({
      config: {
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        publicUrl: 'http://duzhan.test',
        sessionSecret: 'seed',
      },
      prisma: stack.prisma,
      temporal: stack.env.client,
      databaseUrl: db.url,
    });
    closeApp = web.close;
    server = await listen(web.app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
    worker = stack.run(() => new Promise<void>((resolve) => (stopWorker = resolve)));
  });

  afterAll(async () => {
    stopWorker?.();
    await worker;
    await server?.close();
    await closeApp?.();
    await stack?.close();
    await db?.drop();
  });

  /** One logged-in client per cadre, made on first use with the cadre's seed account. */
  const clients = new Map<string, ApiClient>();
  async function clientOf(cadreId: string): Promise<ApiClient> {
    const known = clients.get(cadreId);
    if (known) return known;
    const user = await stack.prisma.user.findUnique({ where: { cadreId } });
    expect(user, `cadre ${cadreId} has a seed account`).not.toBeNull();
    const account = accounts.get(user?.username ?? '');
    if (!account) throw new Error(`no seed password for cadre ${cadreId}`);
    const client = await new ApiClient(base).login(account.username, account.password);
    clients.set(cadreId, client);
    return client;
  }

  const completedVisits = async () => {
    const done = await stack.prisma.task.groupBy({
      by: ['householdId'],
      where: { kind: 'VISIT', status: 'DONE', householdId: { in: householdIds } },
      _count: { _all: true },
    });
    return new Map(done.map((d) => [d.householdId, d._count._all]));
  };

  it('completes two visits of each of the 49 households, each by the cadre it is assigned to', {
    timeout: 300_000,
  }, async () => {
    const seeded = await seedIfEmpty(stack.prisma, stack.env.client, stack.taskQueue);
    if (!seeded) throw new Error('the scratch database was not empty');
    expect(seeded.started).toBe(49);
    accounts = new Map(seeded.accounts.map((a) => [a.username, a]));
    householdIds = (await stack.prisma.household.findMany({ select: { id: true } })).map((h) => h.id);
    // Terminated when the worker stops, so their timers do not fire into other files' tests.
    for (const id of householdIds) stack.adopt(stack.env.client.workflow.getHandle(householdWorkflowId(id)));
    await eventually(async () => {
      const open = await stack.prisma.task.count({ where: { kind: 'VISIT', status: 'OPEN' } });
      return open === 49 ? open : undefined;
    }, 90_000);

    const completedBy = new Map<string, string[]>();
    for (let day = 0; ; day += 1) {
      const visits = await completedVisits();
      if (householdIds.every((id) => (visits.get(id) ?? 0) >= VISITS_PER_HOUSEHOLD)) break;
      expect(day, 'days waited for the next visits').toBeLessThan(60);
      const due = await stack.prisma.task.findMany({
        where: { kind: 'VISIT', status: 'OPEN', householdId: { in: householdIds } },
        orderBy: { id: 'asc' },
      });
      const now = new Date(await stack.env.currentTimeMs()).toISOString();
      let completedNow = 0;
      for (const task of due) {
        if ((visits.get(task.householdId) ?? 0) >= VISITS_PER_HOUSEHOLD) continue;
        const client = await clientOf(task.assigneeId);
        const res = await client.json<{ error?: { message: string } }>(
          'POST',
          `/api/tasks/${encodeURIComponent(task.id)}/complete`,
          { record: compliantRecord(task.assigneeId, now) },
        );
        expect(res.status, `${task.id} by ${task.assigneeId}: ${res.body.error?.message}`).toBe(200);
        completedBy.set(task.householdId, [...(completedBy.get(task.householdId) ?? []), task.assigneeId]);
        completedNow += 1;
      }
      // The next visits open on the cadence timer: a day of township time at a time.
      if (completedNow === 0) await stack.env.sleep(DAY);
    }

    // Each household's two visits alternated between its two cadres (双帮扶制): both could act.
    const assignments = await stack.prisma.assignment.findMany({
      where: { householdId: { in: householdIds }, to: null },
    });
    for (const id of householdIds) {
      const cadres = assignments.filter((a) => a.householdId === id).map((a) => a.cadreId);
      expect(cadres, id).toHaveLength(2);
      expect(new Set(completedBy.get(id)), id).toEqual(new Set(cadres));
    }
    expect(await stack.prisma.visitRecord.count({ where: { householdId: { in: householdIds } } })).toBe(
      49 * VISITS_PER_HOUSEHOLD,
    );
  });

  it('a 党委书记 paired with a household completes its visit and still sees the board', {
    timeout: 120_000,
  }, async () => {
    const secretary = await stack.prisma.cadre.findFirstOrThrow({ where: { rank: 'PARTY_SECRETARY' } });
    const household = await stack.prisma.assignment.findFirstOrThrow({
      where: { role: 'LEADER', to: null, cadreId: { not: secretary.id } },
      orderBy: { householdId: 'asc' },
    });
    const admin = await new ApiClient(base).login('admin', ADMIN_PASSWORD);
    const reassigned = await admin.json('POST', `/api/households/${household.householdId}/reassign`, {
      role: 'LEADER',
      cadreId: secretary.id,
      reason: '党委书记结对帮扶',
    });
    expect(reassigned.status).toBe(200);
    const handover = await eventually(() =>
      stack.prisma.task.findFirst({
        where: { householdId: household.householdId, assigneeId: secretary.id, status: 'OPEN' },
      }),
    );
    const client = await clientOf(secretary.id);
    const now = new Date(await stack.env.currentTimeMs()).toISOString();
    const done = await client.json('POST', `/api/tasks/${encodeURIComponent(handover.id)}/complete`, {
      record: compliantRecord(secretary.id, now),
    });
    expect(done.status).toBe(200);
    expect((await client.json('GET', '/api/board')).status).toBe(200);
    expect((await client.raw('GET', '/board')).status).toBe(200);
    expect((await client.raw('GET', `/households/${household.householdId}`)).status).toBe(200);
    const row = await stack.prisma.task.findUniqueOrThrow({ where: { id: handover.id } });
    expect(row).toMatchObject({ status: 'DONE', completedBy: secretary.id });
  });
});
