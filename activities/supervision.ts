import type { PrismaClient } from '../db/client.js';
import type { ExitCriterion, HouseholdCategory } from '../policy/index.js';
import type { Prisma } from '../prisma/generated/client.js';
import type { ClosingProgress, SupervisionStatus } from '../workflows/household/definitions.js';

export interface HouseholdChange {
  householdId: string;
  workflowId: string;
  /** Also the audit row's idempotency key. */
  key: string;
  actor: string;
  action: string;
  status?: SupervisionStatus;
  category?: HouseholdCategory;
  policyVersion?: string;
  detail?: Record<string, string | number | boolean | null>;
}

/** The household's columns a change sets: status, category and policy version, those it gives. */
export const householdFieldsOf = (change: HouseholdChange) => ({
  ...(change.status ? { status: change.status } : {}),
  ...(change.category ? { category: change.category } : {}),
  ...(change.policyVersion ? { policyVersion: change.policyVersion } : {}),
});

/** The change's audit row on the household's timeline, keyed so that it is written once. */
export const auditRowOf = (change: HouseholdChange, at: Date) => ({
  at,
  actor: change.actor,
  action: change.action,
  householdId: change.householdId,
  workflowId: change.workflowId,
  detail: change.detail ?? {},
  idempotencyKey: change.key,
});

/**
 * The change in `tx`, once per key: the household's row first, then its audit row. False when the
 * audit row is there already (a retry after the commit), and nothing is written.
 */
async function applyChange(
  tx: Prisma.TransactionClient,
  change: HouseholdChange,
  at: Date,
): Promise<boolean> {
  if (await tx.auditLog.findUnique({ where: { idempotencyKey: change.key } })) return false;
  await tx.household.update({ where: { id: change.householdId }, data: householdFieldsOf(change) });
  await tx.auditLog.create({ data: auditRowOf(change, at) });
  return true;
}

export function createSupervisionActivities(prisma: PrismaClient) {
  return {
    /** Status, category or policy version of the household, with its audit row, once per key. */
    async updateHousehold(change: HouseholdChange & { at: string }): Promise<void> {
      await prisma.$transaction((tx) => applyChange(tx, change, new Date(change.at)));
    },

    /**
     * Ends supervision (cancelled, or stably out): open tasks cancelled, escalations closed,
     * assignments ended, the exit assessment written when there is one, the household's status and
     * its audit row (applyChange, first); all in one transaction, once per key (a retry after the
     * commit writes nothing).
     * A household cancelled while its admission waited for its pairing was never supervised: it has
     * no task and no escalation, its status goes from 已登记 to CANCELLED, and a pairing that an attempt
     * in flight committed is ended with the rest. The household's row is written first: a pairing of
     * the same run holds it (assignment.ts refuseIfCancelled), so the two commit one after the other.
     */
    async endSupervision(
      input: HouseholdChange & {
        at: string;
        status: 'CANCELLED' | 'STABLY_OUT';
        exit?: { id: string; criteria: ExitCriterion[]; steps: ClosingProgress['steps'] };
      },
    ): Promise<void> {
      const at = new Date(input.at);
      await prisma.$transaction(async (tx) => {
        if (!(await applyChange(tx, input, at))) return;
        const where = { householdId: input.householdId, workflowId: input.workflowId, status: 'OPEN' };
        const open = await tx.task.findMany({ where, select: { id: true } });
        await tx.escalation.updateMany({
          where: { taskId: { in: open.map((t) => t.id) }, closedAt: null },
          data: { closedAt: at },
        });
        await tx.task.updateMany({ where, data: { status: 'CANCELLED' } });
        await tx.assignment.updateMany({
          where: { householdId: input.householdId, to: null },
          data: { to: at },
        });
        if (input.exit) {
          await tx.exitAssessment.createMany({
            data: [
              {
                id: input.exit.id,
                householdId: input.householdId,
                workflowId: input.workflowId,
                criteria: input.exit.criteria as object[],
                decision: 'STABLY_OUT',
                steps: input.exit.steps as object[],
                decidedAt: at,
              },
            ],
            skipDuplicates: true,
          });
        }
      });
    },
  };
}
