import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupervision } from '../../domain/supervision.js';
import { createUser } from '../../domain/users.js';
import type { Task } from '../../prisma/generated/client.js';
import { householdWorkflowId, stateQuery } from '../../workflows/household/definitions.js';
import { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';
import { type FaultStack, startFaultStack } from './fault-stack.js';

/** Households per scenario; every other one is submitted twice at once (a doubled tap). */
const PER_SCENARIO = 5;
/** How long a dependency stays down. */
const OUTAGE_MS = 6_000;
/** An answer slower than this is a hang: the cadre must hear something within seconds. */
const HANG_MS = 12_000;
const PASSWORD = 'fault suite password';

interface Answer {
  status: number | 'hang' | 'network error';
  ms: number;
  body: string;
}

interface CadreRun {
  householdId: string;
  taskId: string;
  answers: Answer[];
  /** The answers that ended the run (two for a doubled submission). */
  finals: Answer[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Real processes: `npm run server`, two `npm run worker`, the Temporal dev server, PostgreSQL and an
// SMTP server, all the suite's own. Each scenario is a burst of visit completions sent the way the
// visit form sends them (one Idempotency-Key per form, sent again after a 503) while a part fails.
describe('a burst of visit completions while a part of the system fails', () => {
  let stack: FaultStack;
  let town: TownshipFixture;
  let leader: ApiClient;
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
  }, 240_000);
  afterAll(async () => stack?.close(), 60_000);

  async function submit(taskId: string, key: string, householdOpenedAt: string): Promise<Answer> {
    const started = Date.now();
    try {
      const res = await leader.raw('POST', `/api/tasks/${encodeURIComponent(taskId)}/complete`, {
        body: { record: compliantRecord(town.cadres.assistance, householdOpenedAt) },
        headers: { 'Idempotency-Key': key },
        signal: AbortSignal.timeout(HANG_MS),
      });
      return { status: res.status, ms: Date.now() - started, body: await res.text() };
    } catch (error) {
      const status = (error as Error).name === 'TimeoutError' ? 'hang' : 'network error';
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { status, ms: Date.now() - started, body: `${error} (${cause?.code}: ${cause?.message})` };
    }
  }

  /** A cadre submits the visit form, and sends it again (same key) after each 503, until answered. */
  async function cadre(
    householdId: string,
    task: { id: string; openedAt: Date },
    doubled: boolean,
    startAfterMs: number,
  ): Promise<CadreRun> {
    const openedAt = task.openedAt.toISOString();
    await sleep(startAfterMs);
    const key = randomUUID();
    const answers: Answer[] = [];
    const giveUpAt = Date.now() + 120_000;
    for (;;) {
      const attempt = await Promise.all(
        Array.from({ length: doubled ? 2 : 1 }, () => submit(task.id, key, openedAt)),
      );
      answers.push(...attempt);
      if (attempt.every((a) => a.status !== 503) || Date.now() > giveUpAt)
        return { householdId, taskId: task.id, answers, finals: attempt };
      await sleep(1_000);
    }
  }

  async function burst(ids: string[], fault: () => Promise<void>): Promise<CadreRun[]> {
    // The visit tasks as the form shows them, read before anything fails.
    const tasks = await Promise.all(
      ids.map((householdId) =>
        stack.prisma.task.findFirstOrThrow({ where: { householdId, kind: 'VISIT', status: 'OPEN' } }),
      ),
    );
    const runs = Promise.all(ids.map((id, i) => cadre(id, tasks[i] as Task, i % 2 === 1, i * 800)));
    await sleep(300);
    await fault();
    return runs;
  }

  async function expectRecordedOnce(runs: CadreRun[]): Promise<void> {
    const answers = runs.flatMap((r) => r.answers);
    // During the outage: 503 or a real answer, quickly; never a 500, never a hang.
    for (const a of answers) {
      expect(
        a.status === 503 || (typeof a.status === 'number' && a.status >= 200 && a.status < 500),
        a.body,
      ).toBe(true);
      expect(a.ms).toBeLessThan(HANG_MS);
    }
    for (const a of answers.filter((x) => x.status === 503))
      expect(JSON.parse(a.body).error.message).toBe('服务暂时不可用，请稍后重试');
    for (const run of runs) {
      // Every completion ends with the first result, doubled ones with the same one.
      expect(
        run.finals.map((f) => f.status),
        run.finals.map((f) => f.body).join('\n'),
      ).toEqual(run.finals.map(() => 200));
      const bodies = run.finals.map((f) => JSON.parse(f.body) as { taskId: string });
      expect(bodies[0]?.taskId).toBe(run.taskId);
      if (bodies.length === 2) expect(bodies[1]).toEqual(bodies[0]);
      // Recorded exactly once, in PostgreSQL and in the workflow.
      expect(await stack.prisma.visitRecord.count({ where: { taskId: run.taskId } })).toBe(1);
      const state = await stack.temporal.workflow
        .getHandle(householdWorkflowId(run.householdId))
        .query(stateQuery);
      expect(state.visits.filter((v) => v.taskId === run.taskId)).toHaveLength(1);
      // A new submission (another key) of the closed task is refused as a conflict.
      const again = await submit(run.taskId, randomUUID(), new Date().toISOString());
      expect(again.status, again.body).toBe(409);
    }
    expect(stack.deaths()).toEqual([]);
  }

  const scenario = (n: number) => households.slice(n * PER_SCENARIO, (n + 1) * PER_SCENARIO);

  it('(a) PostgreSQL stopped and started: 503 meanwhile, then every visit recorded once', {
    timeout: 180_000,
  }, async () => {
    let page = { status: 0, text: '' };
    const runs = await burst(scenario(0), async () => {
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
    await expectRecordedOnce(runs);
  });

  it('(b) Temporal server killed and started: 503 meanwhile, then every visit recorded once', {
    timeout: 180_000,
  }, async () => {
    const runs = await burst(scenario(1), async () => {
      await stack.killTemporal();
      await sleep(OUTAGE_MS);
      await stack.startTemporal();
    });
    expect(runs.flatMap((r) => r.answers).some((a) => a.status === 503)).toBe(true);
    await expectRecordedOnce(runs);
  });

  it('(c) one of two workers killed with SIGKILL: the other carries on, every visit recorded once', {
    timeout: 180_000,
  }, async () => {
    const runs = await burst(scenario(2), () => stack.killWorker());
    await expectRecordedOnce(runs);
  });

  it('afterwards: the workflows and the read model agree, and no e-mail went out twice', {
    timeout: 120_000,
  }, async () => {
    const disagreements = async () => {
      const differing: string[] = [];
      for (const id of households) {
        const state = await stack.temporal.workflow.getHandle(householdWorkflowId(id)).query(stateQuery);
        const inWorkflow = state.openTasks.map((t) => t.id).sort();
        const rows = await stack.prisma.task.findMany({ where: { householdId: id, status: 'OPEN' } });
        const inReadModel = rows.map((t) => t.id).sort();
        if (JSON.stringify(inWorkflow) !== JSON.stringify(inReadModel))
          differing.push(`${id}: workflow ${inWorkflow.join(',')} / read model ${inReadModel.join(',')}`);
      }
      return differing;
    };
    await eventually(async () => ((await disagreements()).length === 0 ? true : undefined), 30_000).catch(
      async () => expect(await disagreements()).toEqual([]),
    );
    // Mail keeps flowing (retries back off after the outages): wait for some, then no Message-ID twice.
    await eventually(
      async () => (stack.smtp.messages.length >= households.length ? true : undefined),
      60_000,
    );
    const ids = stack.smtp.messages.map((m) => m.messageId);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    for (const m of stack.smtp.messages.filter((x) => twice.includes(x.messageId)))
      console.log('DUP', m.subject, m.headers.get('x-duzhan-notification'), m.headers.get('date'));
    expect(twice).toEqual([]);
    expect(stack.deaths()).toEqual([]);
  });
});
