// One write per transition of the household (patched 'one-write-per-transition'; the admission's is
// in admission.ts): what used to be several local activities in a row — each a round trip through the
// workflow thread and a few queries — is one activity writing the rows of the transition in ONE
// PostgreSQL transaction.
// Every row keeps its deterministic id or idempotency key, so a retried activity writes nothing twice.
import type { PrismaClient } from '../db/client.js';
import { type NotifyInput, type NotifySettings, renderNotification, startDeliveries } from './notify.js';
import type { TaskRow } from './tasks.js';

/** The task row, once per id (a retry after the commit writes nothing): a statement for a transaction. */
export const createTaskRow = (db: Pick<PrismaClient, 'task'>, task: TaskRow) =>
  db.task.createMany({
    data: [{ ...task, openedAt: new Date(task.openedAt), dueAt: new Date(task.dueAt) }],
    skipDuplicates: true,
  });

export function createTransitionActivities(prisma: PrismaClient, settings: NotifySettings) {
  return {
    /** A task and its TASK_OPENED notification in one transaction (before: openTask, then notify). */
    async openTaskNotified(input: { task: TaskRow; notice: NotifyInput }): Promise<void> {
      const row = await renderNotification(prisma, settings, input.notice);
      await prisma.$transaction([
        createTaskRow(prisma, input.task),
        prisma.notification.createMany({ data: [row], skipDuplicates: true }),
      ]);
      await startDeliveries(settings, [input.notice.key]);
    },
  };
}
