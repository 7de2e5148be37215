import type { PrismaClient } from '../db/client.js';

export function createAuditActivities(prisma: PrismaClient) {
  return {
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
