import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { type EscalationRank, GUARANTEE_ITEMS, type VisitRecord } from '../policy/index.js';
import type { CadreRef, OpenTask } from '../workflows/household/definitions.js';

/** A task as the workflow opened it (without its in-memory progress), and whose it is. */
export type TaskRow = Omit<OpenTask, 'reminded' | 'rung'> & { householdId: string; workflowId: string };

export interface CompleteTaskInput {
  taskId: string;
  byCadreId: string;
  at: string;
  note?: string;
  visit?: { record: VisitRecord; compliant: boolean; policyVersion: string };
}

function visitRow(taskId: string, householdId: string, visit: NonNullable<CompleteTaskInput['visit']>) {
  const r = visit.record;
  const notes = Object.fromEntries(
    GUARANTEE_ITEMS.flatMap((item) => (r.guarantees[item].note ? [[item, r.guarantees[item].note]] : [])),
  );
  return {
    id: `${taskId}/visit`,
    taskId,
    householdId,
    cadreId: r.visitorCadreId,
    visitedAt: new Date(r.visitedAt),
    perCapitaIncomeYuan: r.perCapitaIncomeYuan,
    foodOk: r.guarantees.food.ok,
    clothingOk: r.guarantees.clothing.ok,
    educationOk: r.guarantees.education.ok,
    medicalOk: r.guarantees.medical.ok,
    housingOk: r.guarantees.housing.ok,
    waterOk: r.guarantees.water.ok,
    guaranteeNotes: notes,
    largeCosts: r.largeCosts,
    notes: r.notes ?? '',
    compliant: visit.compliant,
    policyVersion: visit.policyVersion,
    measures: {
      create: r.measures.map((m, i) => ({
        id: `${taskId}/visit/m${i}`,
        kind: m.kind,
        amountYuan: m.amountYuan,
        persons: m.persons ?? 1,
      })),
    },
  };
}

/** PostgreSQL refusing a value (numeric overflow, a NUL in text, value too long): retrying cannot help. */
const UNSTORABLE =
  /P2000|P2020|numeric field overflow|out of range|invalid byte sequence|unsupported Unicode escape|0x00/i;

async function refuseUnstorable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const text = `${(error as { code?: string }).code ?? ''} ${(error as Error).message}`;
    if (UNSTORABLE.test(text)) {
      throw ApplicationFailure.nonRetryable(
        '走访记录中有无法保存的数值或文字，请检查后重新提交',
        'UnstorableRecord',
      );
    }
    throw error;
  }
}

export function createTaskActivities(prisma: PrismaClient) {
  /** Done, record and escalations closed, in one transaction. */
  function completeInTransaction(input: CompleteTaskInput): Promise<string[]> {
    return prisma.$transaction(async (tx) => {
      const task = await tx.task.findUnique({ where: { id: input.taskId } });
      if (!task) throw ApplicationFailure.nonRetryable(`任务 ${input.taskId} 不存在`, 'NotFound');
      const at = new Date(input.at);
      if (task.status === 'OPEN') {
        if (input.visit)
          await tx.visitRecord.create({ data: visitRow(task.id, task.householdId, input.visit) });
        await tx.task.update({
          where: { id: task.id },
          data: { status: 'DONE', completedAt: at, completedBy: input.byCadreId },
        });
        await tx.escalation.updateMany({
          where: { taskId: task.id, closedAt: null },
          data: { closedAt: at },
        });
      }
      const escalated = await tx.escalation.findMany({
        where: { taskId: task.id },
        select: { leaderId: true },
      });
      return [...new Set(escalated.map((e) => e.leaderId))];
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
      return refuseUnstorable(() => completeInTransaction(input));
    },

    /**
     * Records that an overdue task reached `rung` and finds who is to be told: the task's assignee
     * for ASSIGNED, the 包村领导 of the household's village, or the cadre holding that rank.
     * Returns undefined when nobody holds the rank (the rung is recorded as skipped in the audit log).
     */
    async escalateTask(input: {
      taskId: string;
      rung: number;
      rank: EscalationRank;
      at: string;
    }): Promise<CadreRef | undefined> {
      const task = await prisma.task.findUniqueOrThrow({
        where: { id: input.taskId },
        include: { household: true },
      });
      const leader =
        input.rank === 'ASSIGNED'
          ? await prisma.cadre.findUnique({ where: { id: task.assigneeId } })
          : await prisma.cadre.findFirst({
              where: {
                active: true,
                rank: input.rank,
                ...(input.rank === 'VILLAGE_LEADER'
                  ? { villages: { some: { id: task.household.villageId } } }
                  : {}),
              },
              orderBy: { id: 'asc' },
            });
      const at = new Date(input.at);
      if (!leader) {
        await prisma.auditLog.createMany({
          data: [
            {
              actor: 'workflow',
              action: 'ESCALATION_RUNG_SKIPPED',
              householdId: task.householdId,
              workflowId: task.workflowId,
              detail: { taskId: task.id, rung: input.rung, rank: input.rank },
              idempotencyKey: `${task.id}/rung/${input.rung}/skipped`,
            },
          ],
          skipDuplicates: true,
        });
        return undefined;
      }
      await prisma.$transaction([
        prisma.escalation.createMany({
          data: [
            {
              id: `${task.id}/rung/${input.rung}`,
              taskId: task.id,
              rung: input.rung,
              rank: input.rank,
              leaderId: leader.id,
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
      return { id: leader.id, name: leader.name };
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
