import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPolicy } from '../../domain/policy-versions.js';
import { startSupervision } from '../../domain/supervision.js';
import { createUser } from '../../domain/users.js';
import { householdWorkflowId, stateQuery } from '../../workflows/household/definitions.js';
import { householdWorkflow } from '../../workflows/household/workflow.js';
import { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';
import { type FaultStack, startFaultStack } from './fault-stack.js';
import { sleep, type VisitCampaign, visitCampaign } from './visit-campaign.js';

/** Households per scenario; every other one is submitted twice at once (a doubled tap). */
const PER_SCENARIO = 5;
/** How long a dependency stays down. */
const OUTAGE_MS = 6_000;
/** PostgreSQL's outage during admissions: past the first try's attempts (workflows/household/context.ts). */
const ADMISSION_OUTAGE_MS = 12_000;
const PASSWORD = 'fault suite password';

// Real processes: `npm run server`, two `npm run worker`, the Temporal dev server, PostgreSQL and an
// SMTP server, all the suite's own. Each scenario is a burst of visit completions sent the way the
// visit form sends them (one Idempotency-Key per form, sent again after a 503) while a part fails.
describe('a burst of visit completions while a part of the system fails', () => {
  let stack: FaultStack;
  let town: TownshipFixture;
  let leader: ApiClient;
  let campaign: VisitCampaign;
  const households: string[] = [];

  beforeAll(async () => {
    stack = await startFaultStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
    await createUser(stack.prisma, {
      username: 'fault-leader',
      displayName: '张帮扶',
      password: PASSWORD,
      cadreId: town.cadres.assistance,
    });
    for (let i = 0; i < 3 * PER_SCENARIO; i++) households.push(await town.addHousehold());
    for (const id of households) await startSupervision(stack, id);
    await eventually(
      async () =>
        (await stack.prisma.task.count({ where: { householdId: { in: households }, kind: 'VISIT' } })) ===
        households.length
          ? true
          : undefined,
      90_000,
    );
    leader = await new ApiClient(stack.base).login('fault-leader', PASSWORD);
    campaign = visitCampaign(stack, leader, town.cadres.assistance);
  }, 240_000);
  afterAll(async () => stack?.close(), 60_000);

  const scenario = (n: number) => households.slice(n * PER_SCENARIO, (n + 1) * PER_SCENARIO);

  it('(a) PostgreSQL stopped and started: 503 meanwhile, then every visit recorded once', {
    timeout: 180_000,
  }, async () => {
    let page = { status: 0, text: '' };
    const runs = await campaign.burst(scenario(0), async () => {
      await stack.stopPostgres();
      // A cadre opening 我的任务 meanwhile gets a page that says to try again.
      const res = await leader.raw('GET', '/tasks', { headers: { accept: 'text/html' } });
      page = { status: res.status, text: await res.text() };
      await sleep(OUTAGE_MS);
      await stack.startPostgres();
    });
    expect(runs.flatMap((r) => r.answers).some((a) => a.status === 503)).toBe(true);
    expect(page.status).toBe(503);
    expect(page.text).toContain('服务暂时不可用，请稍后重试');
    await campaign.expectRecordedOnce(runs);
  });

  it('(b) Temporal server killed and started: 503 meanwhile, then every visit recorded once', {
    timeout: 180_000,
  }, async () => {
    const runs = await campaign.burst(scenario(1), async () => {
      await stack.killTemporal();
      await sleep(OUTAGE_MS);
      await stack.startTemporal();
    });
    expect(runs.flatMap((r) => r.answers).some((a) => a.status === 503)).toBe(true);
    await campaign.expectRecordedOnce(runs);
  });

  it('(c) one of two workers killed with SIGKILL: the other carries on, every visit recorded once', {
    timeout: 180_000,
  }, async () => {
    const runs = await campaign.burst(scenario(2), () => stack.killWorker());
    await campaign.expectRecordedOnce(runs);
  });

  it("(d) households admitted as PostgreSQL stops, for longer than the admission's first try: each waits, then is admitted once", {
    timeout: 180_000,
  }, async () => {
    const admitted: string[] = [];
    for (let i = 0; i < 3; i++) admitted.push(await town.addHousehold());
    const policy = await currentPolicy(stack.prisma);
    await stack.stopPostgres();
    // As if an admin's 纳入督战 had started them just before the outage (the API answers 503 during
    // it): their admissions meet the outage from their first attempt.
    for (const householdId of admitted)
      await stack.temporal.workflow.start(householdWorkflow, {
        workflowId: householdWorkflowId(householdId),
        taskQueue: stack.taskQueue,
        args: [{ householdId, policy }],
      });
    // Longer than the first try's four local attempts (7 s of back-off): the pairing then waits as
    // an activity task, retried by the server.
    await sleep(ADMISSION_OUTAGE_MS);
    await stack.startPostgres();
    // The call that started them records the workflow on the ledger once PostgreSQL is back.
    for (const householdId of admitted) expect(await startSupervision(stack, householdId)).toBe(false);
    households.push(...admitted); // the read model is checked against the workflows below too

    const where = { householdId: { in: admitted } };
    await eventually(
      async () =>
        (await stack.prisma.task.count({ where: { ...where, kind: 'VISIT' } })) === admitted.length
          ? true
          : undefined,
      90_000,
    );
    for (const householdId of admitted) {
      const handle = stack.temporal.workflow.getHandle(householdWorkflowId(householdId));
      const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
        return name ? [name] : [];
      });
      expect(scheduled).toEqual(['assignCadres']);
      const state = await handle.query(stateQuery);
      expect(state.status).toBe('SUPERVISED');
      expect(state.openTasks.map((t) => t.kind)).toEqual(['VISIT']);
    }
    expect(await stack.prisma.auditLog.count({ where: { ...where, action: 'SUPERVISION_STARTED' } })).toBe(
      admitted.length,
    );
    expect(await stack.prisma.assignment.count({ where: { ...where, to: null } })).toBe(2 * admitted.length);
    expect(await stack.prisma.task.count({ where })).toBe(admitted.length);
    // Two ASSIGNED and one TASK_OPENED each.
    expect(await stack.prisma.notification.count({ where })).toBe(3 * admitted.length);
  });

  it('afterwards: the workflows and the read model agree, and no e-mail went out twice', {
    timeout: 120_000,
  }, async () => {
    await campaign.expectConsistent(households);
  });
});
