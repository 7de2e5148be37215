import type { PrismaClient } from '../db/client.js';
import { type NotificationKind, renderMessage } from './messages.js';

export interface NotifyInput {
  /** Deterministic, from the workflow and the event: a retried activity finds its row and stops. */
  key: string;
  kind: NotificationKind;
  cadreId: string;
  householdId: string;
  task?: { id: string; kindLabel: string; reason: string; dueAt: string };
  escalation?: { rung: number; rankLabel: string; responsibleCadreId: string; overdueSince: string };
  role?: string;
}

/**
 * The one notification interface of the workflow. It renders the message and writes it to the
 * outbox (Notification), once per key; delivery by e-mail reads the outbox.
 */
export function createNotifyActivities(prisma: PrismaClient, publicUrl: string) {
  return {
    async notify(input: NotifyInput): Promise<void> {
      if (await prisma.notification.findUnique({ where: { id: input.key }, select: { id: true } })) return;
      const [household, recipient, responsible] = await Promise.all([
        prisma.household.findUniqueOrThrow({ where: { id: input.householdId }, include: { village: true } }),
        prisma.cadre.findUniqueOrThrow({ where: { id: input.cadreId } }),
        input.escalation
          ? prisma.cadre.findUnique({ where: { id: input.escalation.responsibleCadreId } })
          : Promise.resolve(null),
      ]);
      const message = renderMessage(input.kind, {
        household: {
          id: household.id,
          number: household.number,
          headName: household.headName,
          village: household.village.name,
        },
        recipientName: recipient.name,
        ...(input.task ? { task: input.task } : {}),
        ...(input.escalation
          ? {
              escalation: {
                rung: input.escalation.rung,
                rankLabel: input.escalation.rankLabel,
                responsibleName: responsible?.name ?? input.escalation.responsibleCadreId,
                overdueSince: input.escalation.overdueSince,
              },
            }
          : {}),
        ...(input.role ? { role: input.role } : {}),
        publicUrl,
      });
      await prisma.notification.createMany({
        data: [
          { id: input.key, cadreId: recipient.id, householdId: household.id, kind: input.kind, ...message },
        ],
        skipDuplicates: true, // two attempts racing: the second is a no-op, never a second message
      });
    },
  };
}
