import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { CADRE_RANKS, type CadreRank, cadreRankSeniority, type EscalationRank } from '../policy/index.js';
import type { CadreRef, OpenTask } from '../workflows/household/definitions.js';
import {
  type CompleteTaskInput,
  completeInOneStatement,
  refuseUnstorable,
  visitIdOf,
} from './task-completion.js';
import { holdersOfRank } from './village-leaders.js';
import { saveVisitEvidence } from './visit-evidence.js';

export type { CompleteTaskInput } from './task-completion.js';

/** A task as the workflow opened it (without its in-memory progress), and whose it is. */
export type TaskRow = Omit<OpenTask, 'reminded' | 'rung'> & { householdId: string; workflowId: string };

/** Who an overdue task's escalation reaches, and the holder it stopped at. */
export interface EscalatedTo extends CadreRef {
  rank: EscalationRank;
}

type SkipReason = 'NO_HOLDER' | 'ASSIGNEE' | 'ALREADY_NOTIFIED' | 'JUNIOR_TO_ASSIGNEE' | 'BELOW_RANK_REACHED';

/** Seniority on the township's ladder; -1 for anyone not on it (a county approver, an unknown rank). */
const seniority = (rank: string) =>
  (CADRE_RANKS as readonly string[]).includes(rank) ? cadreRankSeniority(rank as CadreRank) : -1;

export function createTaskActivities(prisma: PrismaClient) {
  async function recordSkip(
    task: { id: string; householdId: string; workflowId: string },
    rung: number,
    rank: EscalationRank,
    reason: SkipReason,
    holderId: string | null,
    at: string,
  ) {
    await prisma.auditLog.createMany({
      data: [
        {
          at: new Date(at),
          actor: 'workflow',
          action: 'ESCALATION_RUNG_SKIPPED',
          householdId: task.householdId,
          workflowId: task.workflowId,
          detail: { taskId: task.id, rung, rank, reason, holderId },
          idempotencyKey: `${task.id}/rung/${rung}/skipped/${rank}`,
        },
      ],
      skipDuplicates: true,
    });
  }

  /** The first rank from this rung up whose holder may be told; each one passed over is recorded. */
  async function rungHolder(
    task: {
      id: string;
      householdId: string;
      workflowId: string;
      household: { villageId: string };
      assignee: { id: string; name: string; rank: string };
    },
    input: { rung: number; rank: EscalationRank; at: string; ranksAbove?: EscalationRank[] },
  ): Promise<EscalatedTo | undefined> {
    const { assignee } = task;
    if (input.rank === 'ASSIGNED') return { id: assignee.id, name: assignee.name, rank: 'ASSIGNED' };
    const earlier = await prisma.escalation.findMany({
      where: { taskId: task.id },
      select: { leaderId: true, rank: true },
    });
    const told = new Set(earlier.map((e) => e.leaderId));
    const highestReached = Math.max(-1, ...earlier.map((e) => seniority(e.rank)));
    for (const rank of [input.rank, ...(input.ranksAbove ?? [])]) {
      if (rank === 'ASSIGNED') continue;
      const [holder] = await holdersOfRank(prisma, task.household.villageId, rank);
      const reason: SkipReason | undefined = !holder
        ? 'NO_HOLDER'
        : holder.id === assignee.id
          ? 'ASSIGNEE'
          : told.has(holder.id)
            ? 'ALREADY_NOTIFIED'
            : seniority(holder.rank) < seniority(assignee.rank)
              ? 'JUNIOR_TO_ASSIGNEE'
              : seniority(rank) <= highestReached
                ? 'BELOW_RANK_REACHED'
                : undefined;
      if (!reason && holder) return { id: holder.id, name: holder.name, rank };
      await recordSkip(task, input.rung, rank, reason ?? 'NO_HOLDER', holder?.id ?? null, input.at);
    }
    return undefined;
  }

  /**
   * Done, record and escalations closed: one statement. With evidence (rarer), its photos and
   * location are stored after it, in the same transaction, when the statement recorded the visit.
   */
  async function complete(input: CompleteTaskInput): Promise<string[]> {
    const evidence = input.visit?.record.evidence;
    if (!evidence) return (await completeInOneStatement(prisma, input)).leaders;
    return prisma.$transaction(async (tx) => {
      const completion = await completeInOneStatement(tx, input);
      if (completion.recorded)
        await saveVisitEvidence(tx, {
          visitId: visitIdOf(input.taskId),
          householdId: completion.householdId,
          at: new Date(input.at),
          evidence,
          farFromHomeMeters: input.visit?.farFromHomeMeters ?? Number.POSITIVE_INFINITY,
        });
      return completion.leaders;
    });
  }

  return {
    /** Writes the task once (its id comes from the workflow's sequence). */
    async openTask(task: TaskRow): Promise<void> {
      await prisma.task.createMany({
        data: [{ ...task, openedAt: new Date(task.openedAt), dueAt: new Date(task.dueAt) }],
        skipDuplicates: true,
      });
    },

    /**
     * Marks the task done with its visit record (if any) and closes its escalations, in one
     * transaction. Returns the leaders who had been escalated to, so they can be told.
     */
    async completeTask(input: CompleteTaskInput): Promise<string[]> {
      return refuseUnstorable(() => complete(input));
    },

    /**
     * Records that an overdue task reached `rung` and finds who is to be told: the task's assignee
     * for ASSIGNED; otherwise the holder of the rung's rank for the household's own village (its
     * 包村领导, its 分管负责人) or the township (乡长, 党委书记). A rung is skipped, with an audit row
     * saying why, when nobody holds it, when its holder is the assignee, was already told about this
     * task, is junior to the assignee (a 乡长's overdue visit never goes to people below him) or
     * below a rank already reached; the escalation then goes on to the next of `ranksAbove` (the
     * ladder's later ranks). Returns undefined when no rung is left.
     */
    async escalateTask(input: {
      taskId: string;
      rung: number;
      rank: EscalationRank;
      at: string;
      ranksAbove?: EscalationRank[];
    }): Promise<EscalatedTo | undefined> {
      const task = await prisma.task.findUnique({
        where: { id: input.taskId },
        include: { household: { select: { villageId: true } }, assignee: true },
      });
      if (!task) throw ApplicationFailure.nonRetryable(`任务 ${input.taskId} 不存在`, 'NotFound');
      const escalationId = `${task.id}/rung/${input.rung}`;
      const done = await prisma.escalation.findUnique({
        where: { id: escalationId },
        include: { leader: true },
      });
      if (done) return { id: done.leader.id, name: done.leader.name, rank: done.rank as EscalationRank };

      const reached = await rungHolder(task, input);
      const at = new Date(input.at);
      if (!reached) return undefined;
      await prisma.$transaction([
        prisma.escalation.createMany({
          data: [
            {
              id: escalationId,
              taskId: task.id,
              rung: input.rung,
              rank: reached.rank,
              leaderId: reached.id,
              openedAt: at,
            },
          ],
          skipDuplicates: true,
        }),
        prisma.task.updateMany({
          where: { id: task.id, rung: { lt: input.rung } },
          data: { rung: input.rung },
        }),
      ]);
      return reached;
    },

    /** Moves due dates (after a pause, the clock of open tasks stops too). */
    async rescheduleTasks(input: { tasks: Array<{ id: string; dueAt: string }> }): Promise<void> {
      await prisma.$transaction(
        input.tasks.map((t) =>
          prisma.task.updateMany({ where: { id: t.id, status: 'OPEN' }, data: { dueAt: new Date(t.dueAt) } }),
        ),
      );
    },
  };
}
