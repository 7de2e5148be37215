import { type Client, ScheduleAlreadyRunning, type ScheduleSpec } from '@temporalio/client';
import type { Config } from '../config/env.js';
import { dailyDigestWorkflow } from '../workflows/mail/digest.js';

export const DIGEST_SCHEDULE_ID = 'duzhan-daily-digest';

/** DIGEST_TIME `07:30` → every day at 07:30; anything else is a cron expression. Both in TZ. */
export function digestScheduleSpec(digestTime: string, timeZone: string): ScheduleSpec {
  const time = /^(\d{1,2}):(\d{2})$/.exec(digestTime.trim());
  if (time)
    return {
      calendars: [{ hour: Number(time[1]), minute: Number(time[2]), comment: `每日督战摘要 ${digestTime}` }],
      timezone: timeZone,
    };
  return { cronExpressions: [digestTime.trim()], timezone: timeZone };
}

/**
 * Creates the schedule of the morning digests, or brings an existing one up to date with the
 * current settings (time, time zone, task queue). Every worker calls it at start-up: idempotent.
 */
export async function ensureDigestSchedule(
  client: Client,
  taskQueue: string,
  config: Pick<Config, 'DIGEST_TIME' | 'TZ'>,
): Promise<'created' | 'updated'> {
  const spec = digestScheduleSpec(config.DIGEST_TIME, config.TZ);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: dailyDigestWorkflow,
    workflowId: DIGEST_SCHEDULE_ID, // the server appends the scheduled time
    taskQueue,
    args: [{ timeZone: config.TZ }] as [{ timeZone: string }],
  };
  // A morning missed while everything was down is made up when it comes back the same day; two
  // runs never overlap. A run on a day that already has its digests sends nothing again.
  const policies = { overlap: 'SKIP' as const, catchupWindow: '12 hours' };
  try {
    await client.schedule.create({ scheduleId: DIGEST_SCHEDULE_ID, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule
    .getHandle(DIGEST_SCHEDULE_ID)
    .update((previous) => ({ ...previous, spec, action, policies }));
  return 'updated';
}
