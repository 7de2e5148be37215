import type { PrismaClient } from '../db/client.js';
import type { Prisma } from '../prisma/generated/client.js';

export interface AuditEntry {
  householdId?: string;
  workflowId?: string;
  actor: string;
  action: string;
  detail?: Prisma.InputJsonValue;
  /** Derived from the workflow id and a step name, so a retried activity writes one row. */
  idempotencyKey: string;
}

export function createAuditActivities(prisma: PrismaClient) {
  return {
    async recordAudit(entry: AuditEntry): Promise<void> {
      await prisma.auditLog.upsert({
        where: { idempotencyKey: entry.idempotencyKey },
        create: entry,
        update: {},
      });
    },

    /**
     * An activity of a household failed in a way retrying cannot heal: the household's timeline and
     * the admins' health view (domain/activity-health.ts) show it, and the workflow goes on.
     */
    async reportActivityFailure(input: {
      householdId: string;
      workflowId: string;
      key: string;
      activityType: string;
      message: string;
      at: string;
    }): Promise<void> {
      const detail = { activityType: input.activityType, error: input.message.slice(0, 1000) };
      await prisma.auditLog.upsert({
        where: { idempotencyKey: input.key },
        create: {
          at: new Date(input.at),
          actor: 'workflow',
          action: 'ACTIVITY_FAILED',
          householdId: input.householdId,
          workflowId: input.workflowId,
          detail,
          idempotencyKey: input.key,
        },
        update: {},
      });
    },
  };
}
