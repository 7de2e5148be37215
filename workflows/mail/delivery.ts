import { ActivityFailure, ApplicationFailure, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { SendEmailResult } from '../../activities/mail.js';
import type { Channel } from '../../config/channels.js';
import { DELIVERY_CHANNELS_PATCH } from './patches.js';

// Retried while the service cannot be reached, backing off up to 10 minutes, never given up on (no
// maximumAttempts). Retries live on the server: a long outage does not grow this workflow's
// history, and it never holds up a household's workflow, which only started this one.
const untilReachable = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' };

const { sendEmail, deliverOnChannel } = proxyActivities<Activities>({
  // Longer than one send may take (SEND_DEADLINE_MS in activities/mail-transport.ts; 20 s for a
  // channel's HTTP call), so a slow attempt has ended before the next one starts.
  startToCloseTimeout: '90 seconds',
  retry: untilReachable,
});

const { recordDeliveryFailure, recordChannelFailure, planDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface MailDeliveryInput {
  notificationId: string;
}

/** E-mail's answer as before; another channel's: which one, and the provider's id. */
export type DeliveryResult =
  | SendEmailResult
  | { status: 'SENT'; channel: Exclude<Channel, 'EMAIL'>; providerId: string };

/** The reason of an activity's failure that retrying cannot heal; undefined for any other error. */
function refusal(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  return cause instanceof ApplicationFailure && cause.nonRetryable ? cause.message : undefined;
}

/**
 * `mail-<notification id>`: delivers one notification once, on the cadre's first channel that
 * takes it (企业微信, 钉钉, SMS or e-mail, in the cadre's order; e-mail when none is set). A channel
 * that refuses for good is recorded FAILED and the next one is tried, once; when every channel has
 * refused, the notification is recorded FAILED and the workflow ends normally: it is for an admin to
 * see, not for retrying.
 */
export async function mailDeliveryWorkflow(input: MailDeliveryInput): Promise<DeliveryResult> {
  if (patched(DELIVERY_CHANNELS_PATCH)) return deliverOnChannels(input.notificationId);
  try {
    return await sendEmail(input.notificationId);
  } catch (error) {
    const reason = refusal(error);
    if (reason === undefined) throw error;
    await recordDeliveryFailure({ notificationId: input.notificationId, error: reason });
    return { status: 'FAILED', error: reason };
  }
}

async function deliverOnChannels(notificationId: string): Promise<DeliveryResult> {
  let channels: Channel[];
  try {
    channels = await planDelivery(notificationId);
  } catch (error) {
    // The notification's row is gone (deleted by hand): nothing to deliver, as with e-mail alone.
    const reason = refusal(error);
    if (reason === undefined) throw error;
    return { status: 'FAILED', error: reason };
  }
  const reasons: string[] = [];
  for (const channel of channels) {
    const outcome = await deliverOnOne(notificationId, channel);
    if (outcome.status === 'SENT') return outcome.result;
    reasons.push(outcome.error);
  }
  const error = reasons.join('；');
  await recordDeliveryFailure({ notificationId, error });
  return { status: 'FAILED', error };
}

/** One channel: sent, or refused for good (recorded); held past the cadre's limit, then tried again. */
async function deliverOnOne(
  notificationId: string,
  channel: Channel,
): Promise<{ status: 'SENT'; result: DeliveryResult } | { status: 'FAILED'; error: string }> {
  for (;;) {
    try {
      const outcome = await deliverOnChannel({ notificationId, channel });
      if (outcome.status === 'HELD') {
        // A durable timer: the cadre's window on this channel has room again by then.
        await sleep(outcome.retryInMs);
        continue;
      }
      if (outcome.status === 'FAILED') return outcome;
      if (outcome.channel === 'EMAIL' && outcome.email) return { status: 'SENT', result: outcome.email };
      const sentOn = outcome.channel as Exclude<Channel, 'EMAIL'>;
      return { status: 'SENT', result: { status: 'SENT', channel: sentOn, providerId: outcome.providerId } };
    } catch (error) {
      const reason = refusal(error);
      if (reason === undefined) throw error;
      await recordChannelFailure({ notificationId, channel, error: reason });
      return { status: 'FAILED', error: reason };
    }
  }
}
