// One write per transition of the household (patched 'one-write-per-transition'): what used to be
// several local activities in a row — each a round trip through the workflow thread and a few
// queries — is one activity writing the rows of the transition in ONE PostgreSQL transaction.
// Every row keeps its deterministic id or idempotency key, so a retried activity writes nothing twice.
import type { PrismaClient } from '../db/client.js';
import type { HouseholdFacts } from '../policy/index.js';
import { readHouseholdFacts } from './household-facts.js';
import { type NotifyInput, type NotifySettings, renderNotification, startDeliveries } from './notify.js';
import type { HouseholdChange } from './supervision.js';
import type { TaskRow } from './tasks.js';

export interface AdmissionWrite {
  /** SUPERVISION_STARTED: the household's status and policy version, its audit row (keyed). */
  change: HouseholdChange & { at: string };
  /** The two cadres told of their assignment. */
  notices: NotifyInput[];
}

export function createTransitionActivities(prisma: PrismaClient, settings: NotifySettings) {
  return {
    /**
     * The admission after the pairing: the household marked supervised with its audit row and both
     * ASSIGNED notifications, in one transaction; answers the facts and the village the workflow
     * keeps (before: loadHousehold, updateHousehold, 2 × notify and loadVillage, five activities).
     */
    async recordAdmission(input: AdmissionWrite): Promise<{
      facts: HouseholdFacts;
      village: { id: string; name: string };
    }> {
      const { change } = input;
      const [facts, household, rows] = await Promise.all([
        readHouseholdFacts(prisma, change.householdId),
        prisma.household.findUniqueOrThrow({
          where: { id: change.householdId },
          select: { village: { select: { id: true, name: true } } },
        }),
        Promise.all(input.notices.map((n) => renderNotification(prisma, settings, n))),
      ]);
      await prisma.$transaction([
        prisma.household.update({
          where: { id: change.householdId },
          data: {
            ...(change.status ? { status: change.status } : {}),
            ...(change.policyVersion ? { policyVersion: change.policyVersion } : {}),
          },
        }),
        prisma.auditLog.createMany({
          data: [
            {
              at: new Date(change.at),
              actor: change.actor,
              action: change.action,
              householdId: change.householdId,
              workflowId: change.workflowId,
              detail: change.detail ?? {},
              idempotencyKey: change.key,
            },
          ],
          skipDuplicates: true, // a retry after the commit: the row is there, nothing is doubled
        }),
        prisma.notification.createMany({ data: rows, skipDuplicates: true }),
      ]);
      await startDeliveries(
        settings,
        input.notices.map((n) => n.key),
      );
      return { facts, village: household.village };
    },

    /** A task and its TASK_OPENED notification in one transaction (before: openTask, then notify). */
    async openTaskNotified(input: { task: TaskRow; notice: NotifyInput }): Promise<void> {
      const { task } = input;
      const row = await renderNotification(prisma, settings, input.notice);
      await prisma.$transaction([
        prisma.task.createMany({
          data: [{ ...task, openedAt: new Date(task.openedAt), dueAt: new Date(task.dueAt) }],
          skipDuplicates: true,
        }),
        prisma.notification.createMany({ data: [row], skipDuplicates: true }),
      ]);
      await startDeliveries(settings, [input.notice.key]);
    },
  };
}
