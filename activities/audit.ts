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
  };
}
