// The admins' health view of the households' background work (activities/failure-triage.ts):
// activities that failed for good (recorded, the household went on without them) and activities
// still retrying after more than an hour, with their attempt counts.
import type { PrismaClient } from '../db/client.js';

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
        { action: 'ACTIVITY_RETRYING', at: { gte: new Date(now.getTime() - RETRYING_SEEN_WITHIN_MS) } },
      ],
    },
    orderBy: { at: 'desc' },
    take: FAILED_SHOWN * 2,
    include: { household: { select: { number: true, headName: true } } },
  });
  const endedAt = await supervisionsEndedAt(
    prisma,
    rows
      .filter((r) => r.action === 'ACTIVITY_RETRYING')
      .flatMap((r) => (r.householdId ? [r.householdId] : [])),
  );
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
    else if (!detail.healedAt && !endedSince(endedAt.get(row.householdId ?? ''), row.at))
      health.retrying.push({ ...trouble, attempt: detail.attempt ?? 0, since: detail.since ?? trouble.at });
  }
  health.failed = health.failed.slice(0, FAILED_SHOWN);
  return health;
}

/** The audit rows that end a supervision run (workflows/household: cancel, stable exit). */
const RUN_ENDS = ['SUPERVISION_CANCELLED', 'STABLY_OUT'];

/** When each household's latest supervision run ended, if one did. */
async function supervisionsEndedAt(prisma: PrismaClient, householdIds: string[]): Promise<Map<string, Date>> {
  if (householdIds.length === 0) return new Map();
  const ends = await prisma.auditLog.groupBy({
    by: ['householdId'],
    where: { action: { in: RUN_ENDS }, householdId: { in: [...new Set(householdIds)] } },
    _max: { at: true },
  });
  return new Map(ends.flatMap((e) => (e.householdId && e._max.at ? [[e.householdId, e._max.at]] : [])));
}

/**
 * A retrying row last written before its household's run ended belongs to that run: the server drops
 * a closed run's pending activities, so nothing retries any more (a pairing that waited, cancelled in
 * its backoff). A row written since is a later attempt: of the same run's last notices after a stable
 * exit, or of a run readmitted after it (回退), and is shown.
 */
const endedSince = (ended: Date | undefined, lastAttempt: Date) =>
  ended !== undefined && lastAttempt <= ended;
