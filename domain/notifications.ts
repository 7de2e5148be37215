import type { PrismaClient } from '../db/client.js';

/** An e-mail the SMTP server refused for good (bad address, 5xx): for an admin to fix and resend. */
export interface FailedNotification {
  id: string;
  kind: string;
  subject: string;
  /** The server's reply, e.g. `EENVELOPE: Can't send mail - all recipients were rejected: 550 …`. */
  error: string;
  attempts: number;
  createdAt: Date;
  /** The last attempt, the one that failed. */
  failedAt: Date | null;
  cadre: { id: string; name: string; email: string };
  /** Null for the daily digests, which are about no one household. */
  household: { id: string; number: string; headName: string; village: string } | null;
}

/** Every notification whose e-mail failed for good, newest first. */
export async function listFailedNotifications(
  prisma: PrismaClient,
  limit = 200,
): Promise<FailedNotification[]> {
  const rows = await prisma.notification.findMany({
    where: { status: 'FAILED' },
    include: {
      cadre: { select: { id: true, name: true, email: true } },
      household: { select: { id: true, number: true, headName: true, village: { select: { name: true } } } },
    },
    orderBy: [{ lastAttemptAt: { sort: 'desc', nulls: 'last' } }, { createdAt: 'desc' }],
    take: limit,
  });
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    error: row.error ?? '',
    attempts: row.attempts,
    createdAt: row.createdAt,
    failedAt: row.lastAttemptAt,
    cadre: row.cadre,
    household: row.household
      ? {
          id: row.household.id,
          number: row.household.number,
          headName: row.household.headName,
          village: row.household.village.name,
        }
      : null,
  }));
}

/** A channel (企业微信, 钉钉, SMS, e-mail) that refused a notification for good. */
export interface FailedChannelDelivery {
  notificationId: string;
  channel: string;
  kind: string;
  subject: string;
  /** The service's answer, e.g. `企业微信拒绝：81013 user & party & tag all invalid`. */
  error: string;
  attempts: number;
  failedAt: Date | null;
  /** Whether a later channel delivered it (the fallback worked) or every channel refused. */
  deliveredElsewhere: boolean;
  cadre: { id: string; name: string };
  household: { id: string; number: string; headName: string; village: string } | null;
}

/** Every channel refusal, newest first: what an admin fixes (a wrong WeCom userid, a bad number). */
export async function listFailedChannelDeliveries(
  prisma: PrismaClient,
  limit = 200,
): Promise<FailedChannelDelivery[]> {
  const rows = await prisma.channelDelivery.findMany({
    where: { status: 'FAILED' },
    include: {
      cadre: { select: { id: true, name: true } },
      notification: {
        select: {
          kind: true,
          subject: true,
          status: true,
          household: {
            select: { id: true, number: true, headName: true, village: { select: { name: true } } },
          },
        },
      },
    },
    orderBy: [{ lastAttemptAt: { sort: 'desc', nulls: 'last' } }, { createdAt: 'desc' }],
    take: limit,
  });
  return rows.map((row) => {
    const household = row.notification.household;
    return {
      notificationId: row.notificationId,
      channel: row.channel,
      kind: row.notification.kind,
      subject: row.notification.subject,
      error: row.error ?? '',
      attempts: row.attempts,
      failedAt: row.lastAttemptAt,
      deliveredElsewhere: row.notification.status === 'SENT',
      cadre: row.cadre,
      household: household
        ? {
            id: household.id,
            number: household.number,
            headName: household.headName,
            village: household.village.name,
          }
        : null,
    };
  });
}
