import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { SendEmailResult } from '../../activities/mail.js';

const { sendEmail } = proxyActivities<Activities>({
  // Longer than one send may take (SEND_DEADLINE_MS in activities/mail-transport.ts), so a slow
  // attempt has ended before the next one starts.
  startToCloseTimeout: '90 seconds',
  // SMTP down: retried with backoff until it is back (5 s, 10 s, … then every 10 minutes), never
  // given up on (no maximumAttempts). Retries live on the server: a long outage does not grow this
  // workflow's history, and it never holds up a household's workflow, which only started this one.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

const { recordDeliveryFailure } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface MailDeliveryInput {
  notificationId: string;
}

/**
 * `mail-<notification id>`: delivers one notification by e-mail, once. A permanent failure (the
 * server refused the address or the message) is recorded on the row as FAILED and ends the
 * workflow normally; it is for an admin to see, not for retrying.
 */
export async function mailDeliveryWorkflow(input: MailDeliveryInput): Promise<SendEmailResult> {
  try {
    return await sendEmail(input.notificationId);
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable) throw error;
    const reason = cause.message;
    await recordDeliveryFailure({ notificationId: input.notificationId, error: reason });
    return { status: 'FAILED', error: reason };
  }
}
