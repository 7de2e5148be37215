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
