import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Task } from '../../prisma/generated/client.js';
import { householdWorkflowId, stateQuery } from '../../workflows/household/definitions.js';
import type { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { compliantRecord } from '../helpers/visit-records.js';
import type { FaultStack } from './fault-stack.js';

/**
 * Cadres submitting visit forms while a part of the system fails, and the checks that nothing was
 * lost or doubled: shared by the fault suite (test/faults) and the cluster suite (test/cluster).
 */

/** An answer slower than this is a hang: the cadre must hear something within seconds. */
export const HANG_MS = 12_000;

export interface Answer {
  status: number | 'hang' | 'network error';
  ms: number;
  body: string;
}

export interface CadreRun {
  householdId: string;
  taskId: string;
  answers: Answer[];
  /** The answers that ended the run (two for a doubled submission). */
  finals: Answer[];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface VisitCampaign {
  submit(taskId: string, key: string, householdOpenedAt: string): Promise<Answer>;
  /** Every form of `ids` sent (every other one doubled, a second tap), `fault` run meanwhile. */
  burst(ids: string[], fault: () => Promise<void>): Promise<CadreRun[]>;
  /** Each completion answered 200 once, recorded once in PostgreSQL and in the workflow. */
  expectRecordedOnce(runs: CadreRun[]): Promise<void>;
  /** The workflows' open tasks equal the read model's, and no e-mail went out twice. */
  expectConsistent(households: string[]): Promise<void>;
}

export function visitCampaign(stack: FaultStack, leader: ApiClient, cadreId: string): VisitCampaign {
  async function submit(taskId: string, key: string, householdOpenedAt: string): Promise<Answer> {
    const started = Date.now();
    try {
      const res = await leader.raw('POST', `/api/tasks/${encodeURIComponent(taskId)}/complete`, {
        body: { record: compliantRecord(cadreId, householdOpenedAt) },
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

  return {
    submit,
    async burst(ids, fault) {
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
    },
    async expectRecordedOnce(runs) {
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
        // A new submission (another key) of the closed task is refused as a conflict, once the stack
        // answers again: just after a restart, a cluster whose node is still rejoining may answer
        // 503 for a moment (请稍后重试), as a cadre's phone would be told, and is asked again.
        const again = await eventually(async () => {
          const answer = await submit(run.taskId, randomUUID(), new Date().toISOString());
          return answer.status === 503 ? undefined : answer;
        }, 30_000);
        expect(again.status, again.body).toBe(409);
      }
      expect(stack.deaths()).toEqual([]);
    },
    async expectConsistent(households) {
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
      expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
      expect(stack.deaths()).toEqual([]);
    },
  };
}
