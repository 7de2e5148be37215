import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { type ClosingNotice, type HouseholdNotificationKind, renderMessage } from './messages.js';
import { startDelivery } from './start-mail-delivery.js';

export interface NotifyInput {
  /** Deterministic, from the workflow and the event: a retried activity finds its row, writes nothing. */
  key: string;
  kind: HouseholdNotificationKind;
  cadreId: string;
  householdId: string;
  task?: { id: string; kindLabel: string; reason: string; dueAt: string };
  escalation?: { rung: number; rankLabel: string; responsibleCadreId: string; overdueSince: string };
  role?: string;
  closing?: ClosingNotice;
}

export interface NotifySettings {
  /** Base of the links in messages. */
  publicUrl: string;
  /** Time zone of the dates in messages. */
  timeZone: string;
  /** false: write the outbox row only and start no delivery (see ActivityDeps.deliverMail). */
  deliverMail: boolean;
}

/** The outbox row of a notification, rendered (not written): its household, recipient and message. */
export async function renderNotification(prisma: PrismaClient, settings: NotifySettings, input: NotifyInput) {
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
    ...(input.closing ? { closing: input.closing } : {}),
    publicUrl: settings.publicUrl,
    timeZone: settings.timeZone,
  });
  return { id: input.key, cadreId: recipient.id, householdId: household.id, kind: input.kind, ...message };
}

/**
 * Starts the e-mail deliveries of outbox rows already written (one `mail-<id>` workflow each, found
 * if already started), from inside an activity: the activity's own client and task queue.
 */
export async function startDeliveries(settings: NotifySettings, notificationIds: readonly string[]) {
  if (!settings.deliverMail || notificationIds.length === 0) return;
  const { client, info } = Context.current();
  await Promise.all(notificationIds.map((id) => startDelivery(client, info.taskQueue, id)));
}

/**
 * The one notification interface of the workflow. It renders the message, writes it to the outbox
 * (Notification) once per key, then starts its delivery by e-mail, the workflow `mail-<key>`
 * (activities/mail.ts), once per key as well. A retry after the row was written only starts the
 * delivery, which finds the one already started; nothing waits for the e-mail itself, so an SMTP
 * outage never holds up a household.
 */
export function createNotifyActivities(prisma: PrismaClient, settings: NotifySettings) {
  return {
    async notify(input: NotifyInput): Promise<void> {
      if (!(await prisma.notification.findUnique({ where: { id: input.key }, select: { id: true } }))) {
        await prisma.notification.createMany({
          data: [await renderNotification(prisma, settings, input)],
          skipDuplicates: true, // two attempts racing: the second is a no-op, never a second message
        });
      }
      await startDeliveries(settings, [input.key]);
    },
  };
}
