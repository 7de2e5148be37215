import { proxyActivities } from '@temporalio/workflow';
import type { DigestResult } from '../../activities/digest.js';
import type { Activities } from '../../activities/index.js';

const { prepareDailyDigests } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface DailyDigestInput {
  /** The time zone the digest's day is counted in (TZ, default Asia/Shanghai). */
  timeZone: string;
}

/**
 * Run each morning by the `duzhan-daily-digest` schedule (worker/digest-schedule.ts): writes the
 * day's digests and starts their `mail-<id>` deliveries. A second run the same day sends nothing new.
 */
export async function dailyDigestWorkflow(input: DailyDigestInput): Promise<DigestResult> {
  // Workflow time: the moment this run started, the same on replay.
  return prepareDailyDigests({ at: new Date().toISOString(), timeZone: input.timeZone });
}
