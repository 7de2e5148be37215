// The admins' health view of the households' background work (activities/failure-triage.ts):
// activities that failed for good (recorded, the household went on without them) and activities
// still retrying after more than an hour, with their attempt counts.
import type { PrismaClient } from '../db/client.js';
import { ENDED_STATUSES } from '../policy/vocabulary.js';

/** A retrying activity updates its row at every attempt (at most 5 minutes apart); older rows are stale. */
const RETRYING_SEEN_WITHIN_MS = 6 * 3_600_000;
const FAILED_SHOWN = 200;

export interface ActivityTrouble {
  householdId: string;
  householdNumber: string;
  headName: string;
  activityType: string;
  error: string;
  at: string;
}

export interface ActivityHealth {
  /** Failed for good: recorded on the household's timeline; someone must fix the data. */
  failed: ActivityTrouble[];
  /** Retrying for more than an hour (PostgreSQL or SMTP away, or a fault not yet classed as permanent). */
  retrying: Array<ActivityTrouble & { attempt: number; since: string }>;
}

interface TroubleDetail {
  activityType?: string;
  error?: string;
  attempt?: number;
  since?: string;
  healedAt?: string;
}

export async function activityHealth(prisma: PrismaClient, now = new Date()): Promise<ActivityHealth> {
  const rows = await prisma.auditLog.findMany({
    where: {
      OR: [
        { action: 'ACTIVITY_FAILED' },
        {
          action: 'ACTIVITY_RETRYING',
          at: { gte: new Date(now.getTime() - RETRYING_SEEN_WITHIN_MS) },
          // A run that ended (cancelled, out) has nothing left retrying: the server drops its pending
          // activities, so the row of one cancelled in its backoff (a pairing that waited) would
          // otherwise stay until it went stale.
          household: { status: { notIn: [...ENDED_STATUSES] } },
        },
      ],
    },
    orderBy: { at: 'desc' },
    take: FAILED_SHOWN * 2,
    include: { household: { select: { number: true, headName: true } } },
  });
  const health: ActivityHealth = { failed: [], retrying: [] };
  for (const row of rows) {
    const detail = (row.detail ?? {}) as TroubleDetail;
    const trouble: ActivityTrouble = {
      householdId: row.householdId ?? '',
      householdNumber: row.household?.number ?? row.householdId ?? '',
      headName: row.household?.headName ?? '',
      activityType: detail.activityType ?? '',
      error: detail.error ?? '',
      at: row.at.toISOString(),
    };
    if (row.action === 'ACTIVITY_FAILED') health.failed.push(trouble);
    else if (!detail.healedAt)
      health.retrying.push({ ...trouble, attempt: detail.attempt ?? 0, since: detail.since ?? trouble.at });
  }
  health.failed = health.failed.slice(0, FAILED_SHOWN);
  return health;
}
