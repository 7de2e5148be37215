// The activities of delivery by channel, run by the `mail-<notification id>` workflow
// (workflows/mail/delivery.ts): which of the cadre's channels to try, in order, and one attempt to
// deliver a notification on one of them. The ChannelDelivery row (`<notification id>/<channel>`) is
// the sent-log: a notification goes out on a channel once, whatever is retried or replayed.
//
// Per-person limits (config/channels.ts): a send that would pass the cadre's limit on the channel is
// held until the window has room (the workflow sleeps on a durable timer); the first delivery that
// then gets the room sends every held notification of that cadre and channel as one message.
//
// The crash window: an attempt marks the row (`attemptBeganAt`) before it sends and clears the mark
// once the outcome is recorded. A retry that finds the mark does not know whether the provider got
// the message, so it sends the very same message again (the same rows carried, composed the same
// way): WeCom's duplicate check and DingTalk's once-a-day rule for the same content absorb a repeat;
// SMS, which does not, is looked up first (QuerySendDetails by OutId). Other deliveries count a
// marked row as under way however long it stays marked, so a send whose answer was lost still holds
// its room in the window.
import { ApplicationFailure } from '@temporalio/activity';
import {
  CHANNEL_LABELS,
  type Channel,
  type ChannelSettings,
  channelEnabled,
  type PerPersonLimit,
} from '../../config/channels.js';
import type { PrismaClient } from '../../db/client.js';
import type { SendEmailResult } from '../mail.js';
import { chatText, type OutboxRow, smsTitle } from './compose.js';
import { createDingtalkAdapter } from './dingtalk.js';
import { createAliyunSmsAdapter } from './sms-aliyun.js';
import {
  type ChannelAdapter,
  ChannelError,
  type ChannelMessage,
  type ChannelSent,
  type Confirmation,
} from './types.js';
import { createWecomAdapter } from './wecom.js';

/** Error types; the workflow records the non-retryable ones as FAILED and tries the next channel. */
export const CHANNEL_ERROR_TYPES = {
  refused: 'ChannelRefused',
  unavailable: 'ChannelUnavailable',
  noAddress: 'ChannelNoAddress',
} as const;

/**
 * How long after an attempt starts it may still begin a send. The activity's start-to-close timeout
 * is 90 s (workflows/mail/delivery.ts) and Temporal starts the next attempt only after it: an attempt
 * that outlives its timeout (its code is not stopped) begins no request that could reach the provider
 * after the next attempt looked whether the first got through.
 */
const SEND_BEGIN_BUDGET_MS = 60_000;

/** WeCom's and DingTalk's text messages both take 2,048 bytes. */
const CHAT_TEXT_MAX_BYTES = 2048;

export type ChannelOutcome =
  | { status: 'SENT'; channel: Channel; providerId: string; combined: number; email?: SendEmailResult }
  /** Past the cadre's limit on this channel: try again in `retryInMs` (it may have gone out combined by then). */
  | { status: 'HELD'; retryInMs: number }
  | { status: 'FAILED'; error: string };

export interface ChannelDeliveryInput {
  notificationId: string;
  channel: Channel;
}

export interface ChannelDeliveryDeps {
  prisma: PrismaClient;
  settings: ChannelSettings;
  /** The e-mail channel: the existing sendEmail activity (activities/mail.ts). */
  sendEmail: (notificationId: string) => Promise<SendEmailResult>;
}

/** The adapters of the channels this deployment has settings for. */
function adaptersFor(settings: ChannelSettings): Partial<Record<Channel, ChannelAdapter>> {
  return {
    ...(settings.wecom && { WECOM: createWecomAdapter(settings.wecom) }),
    ...(settings.dingtalk && { DINGTALK: createDingtalkAdapter(settings.dingtalk) }),
    ...(settings.sms && { SMS: createAliyunSmsAdapter(settings.sms) }),
  };
}

const deliveryId = (notificationId: string, channel: Channel) => `${notificationId}/${channel}`;

function refused(message: string, type: string = CHANNEL_ERROR_TYPES.refused): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

type Db = Pick<PrismaClient, '$queryRaw'>;

/**
 * PostgreSQL's clock, the one clock every worker shares: the window is counted from the times it
 * records (sentAt, attemptBeganAt), so workers whose clocks differ cannot disagree on it.
 * clock_timestamp(), not now(): now() is the transaction's start, before the lock was waited for.
 */
async function dbNow(db: Db): Promise<Date> {
  const [row] = await db.$queryRaw<Array<{ now: Date }>>`SELECT clock_timestamp() AS now`;
  if (!row) throw new Error('PostgreSQL did not answer clock_timestamp()');
  return row.now;
}

export function createChannelActivities({ prisma, settings, sendEmail }: ChannelDeliveryDeps) {
  const adapters = adaptersFor(settings);
  const recheckInMs = (channel: Exclude<Channel, 'EMAIL'>) =>
    Math.min(30_000, Math.max(1_000, Math.round(settings.limits[channel].windowMs / 5)));

  /** The cadre's id on a channel, or '' when the cadre has none. */
  async function addressOf(cadreId: string, channel: Channel): Promise<string> {
    const cadre = await prisma.cadre.findUniqueOrThrow({
      where: { id: cadreId },
      select: { email: true, phone: true, channels: { where: { channel } } },
    });
    if (channel === 'EMAIL') return cadre.email;
    if (channel === 'SMS') return cadre.phone.trim();
    return cadre.channels[0]?.address.trim() ?? '';
  }

  /**
   * Takes the room for one send under the cadre's limit on this channel, with the held deliveries
   * it will carry; or holds this one until the window has room. Serialised per cadre and channel
   * (an advisory lock), so two deliveries never take the last room at once.
   */
  async function claim(
    id: string,
    cadreId: string,
    channel: Channel,
    limit: PerPersonLimit,
  ): Promise<{ heldForMs: number } | { carried: string[] }> {
    return prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`channel/${cadreId}/${channel}`}))`;
        // Read again under the lock: another delivery may have taken this one into its message
        // since it was read; then it is that one's to send (looked at again in a second).
        const self = await tx.channelDelivery.findUniqueOrThrow({ where: { id } });
        if (self.combinedInto !== null || self.status !== 'PENDING') return { heldForMs: 1_000 };
        // Read after the lock was taken: a time from before the wait would let the window end early.
        const at = await dbNow(tx);
        const now = at.getTime();
        const since = new Date(now - limit.windowMs);
        // What went out to this person in the window, read in ONE statement (one snapshot): read in
        // two (the sends, then those under way), a send recorded SENT between the two was in neither
        // — PostgreSQL's READ COMMITTED gives each statement its own snapshot — and the room it held
        // was taken again (the race once seen under load: a combined message dropped by WeCom).
        // - sends in the window: a combined message counts once (its leader's row); sentAt is recorded
        //   after the provider answered, so never earlier than the provider counts it;
        // - under way: accepted and not yet confirmed (providerId set), or an attempt begun whose
        //   outcome is not recorded (attemptBeganAt), however long ago: it may have reached the
        //   person, or may still (its retry sends the same message); once recorded, its sentAt is later.
        const counted = await tx.channelDelivery.findMany({
          where: {
            cadreId,
            channel,
            combinedInto: null,
            id: { not: id },
            OR: [
              { status: 'SENT', sentAt: { gte: since } },
              { status: 'PENDING', OR: [{ providerId: { not: null } }, { attemptBeganAt: { not: null } }] },
            ],
          },
          select: { status: true, sentAt: true },
        });
        const sent = counted
          .flatMap((row) => (row.status === 'SENT' && row.sentAt ? [row.sentAt.getTime()] : []))
          .sort((a, b) => a - b);
        const underWay = counted.length - sent.length;
        if (sent.length + underWay >= limit.max) {
          const oldest = sent[0] ?? now;
          const heldUntil = new Date(Math.max(oldest + limit.windowMs, now + 1_000));
          await tx.channelDelivery.update({ where: { id }, data: { heldUntil } });
          return { heldForMs: heldUntil.getTime() - now };
        }
        const held = await tx.channelDelivery.findMany({
          where: {
            cadreId,
            channel,
            status: 'PENDING',
            heldUntil: { not: null },
            combinedInto: null,
            // Never a row whose own send may have gone out: its retry sends that message again.
            attemptBeganAt: null,
            id: { not: id },
          },
          select: { id: true },
          orderBy: { createdAt: 'asc' },
        });
        const carried = held.map((h) => h.id);
        if (carried.length > 0)
          await tx.channelDelivery.updateMany({ where: { id: { in: carried } }, data: { combinedInto: id } });
        // The room is taken before the lock is let go: from here every other claim counts this send.
        await tx.channelDelivery.update({
          where: { id },
          data: { heldUntil: null, attempts: { increment: 1 }, lastAttemptAt: at, attemptBeganAt: at },
        });
        return { carried };
      },
      { timeout: 15_000 },
    );
  }

  /**
   * The send is known not to have gone out (refused, or dropped by the provider's limit): the mark is
   * cleared and the held deliveries it carried go back to waiting on their own.
   */
  async function release(id: string, data: { error: string; providerId?: null; heldUntil?: Date }) {
    await prisma.$transaction([
      prisma.channelDelivery.update({ where: { id }, data: { ...data, attemptBeganAt: null } }),
      prisma.channelDelivery.updateMany({
        where: { combinedInto: id, status: 'PENDING' },
        data: { combinedInto: null },
      }),
    ]);
  }

  /** The rows an earlier attempt of `id` carried (they stay its until its outcome is known). */
  async function carriedBy(id: string): Promise<string[]> {
    const rows = await prisma.channelDelivery.findMany({
      where: { combinedInto: id, status: 'PENDING' },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  async function message(channel: Channel, to: string, ids: string[]): Promise<ChannelMessage> {
    const rows = await prisma.channelDelivery.findMany({
      where: { id: { in: ids } },
      select: { id: true, notification: { select: { subject: true, text: true, link: true } } },
      // The id breaks ties: rows created in the same instant (a burst of notices) came back in either
      // order, so a retry after a lost answer built another text, which the provider's duplicate
      // check did not recognise: the same notices went out twice (WeCom dropped the second past the limit).
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const outbox: OutboxRow[] = rows.map((r) => r.notification);
    const { subject, text } = chatText(outbox, CHAT_TEXT_MAX_BYTES);
    const title = smsTitle(outbox, settings.sms?.maxParamLength ?? 35);
    return { to, subject, text: channel === 'SMS' ? title : text, title };
  }

  /** Sent: this delivery and those it carried, and their notifications. */
  async function markSent(id: string, providerId: string): Promise<number> {
    // A carried row that was refused meanwhile (and went out on another channel) stays as it is.
    const sentBySend = { OR: [{ id }, { combinedInto: id, status: 'PENDING' as const }] };
    const group = await prisma.channelDelivery.findMany({
      where: sentBySend,
      select: { notificationId: true },
    });
    const sentAt = await dbNow(prisma);
    await prisma.$transaction([
      prisma.channelDelivery.updateMany({
        where: sentBySend,
        data: { status: 'SENT', sentAt, providerId, error: null, heldUntil: null, attemptBeganAt: null },
      }),
      prisma.notification.updateMany({
        where: { id: { in: group.map((g) => g.notificationId) }, status: { not: 'SENT' } },
        data: { status: 'SENT', sentAt, error: null },
      }),
    ]);
    return group.length;
  }

  async function deliverByEmail(input: ChannelDeliveryInput, cadreId: string): Promise<ChannelOutcome> {
    const id = deliveryId(input.notificationId, 'EMAIL');
    await prisma.channelDelivery.upsert({
      where: { id },
      create: { id, notificationId: input.notificationId, cadreId, channel: 'EMAIL' },
      update: {},
    });
    const result = await sendEmail(input.notificationId);
    if (result.status === 'FAILED') return { status: 'FAILED', error: result.error };
    const row = await prisma.notification.findUniqueOrThrow({ where: { id: input.notificationId } });
    await prisma.channelDelivery.update({
      where: { id },
      data: {
        status: 'SENT',
        sentAt: row.sentAt ?? new Date(),
        providerId: result.messageId,
        attempts: row.attempts,
        lastAttemptAt: row.lastAttemptAt,
        error: null,
      },
    });
    return { status: 'SENT', channel: 'EMAIL', providerId: result.messageId, combined: 1, email: result };
  }

  return {
    /**
     * The channels to try for a notification, in the cadre's order: those this deployment has on
     * and the cadre has an id for. None (no list, or every listed channel off): e-mail.
     */
    async planDelivery(notificationId: string): Promise<Channel[]> {
      const row = await prisma.notification.findUnique({
        where: { id: notificationId },
        select: {
          cadre: { select: { email: true, phone: true, channels: { orderBy: { position: 'asc' } } } },
        },
      });
      if (!row) throw refused(`没有这条通知：${notificationId}`, 'NotificationMissing');
      const { cadre } = row;
      const usable = cadre.channels
        .filter((c) => channelEnabled(settings, c.channel as Channel))
        .filter((c) =>
          c.channel === 'EMAIL'
            ? cadre.email !== ''
            : c.channel === 'SMS'
              ? cadre.phone.trim() !== ''
              : c.address.trim() !== '',
        )
        .map((c) => c.channel as Channel);
      return usable.length > 0 ? usable : ['EMAIL'];
    },

    /**
     * Delivers one notification on one channel, once. Throws a retryable error while the service
     * cannot be reached (or answers 5xx, or a rate limit), a non-retryable one when it refuses for
     * good; answers HELD when the cadre's limit on the channel is reached.
     */
    async deliverOnChannel(input: ChannelDeliveryInput): Promise<ChannelOutcome> {
      const sendDeadline = Date.now() + SEND_BEGIN_BUDGET_MS;
      const notification = await prisma.notification.findUnique({
        where: { id: input.notificationId },
        select: { cadreId: true },
      });
      if (!notification) throw refused(`没有这条通知：${input.notificationId}`, 'NotificationMissing');
      const { cadreId } = notification;
      if (input.channel === 'EMAIL') return deliverByEmail(input, cadreId);

      const id = deliveryId(input.notificationId, input.channel);
      let row = await prisma.channelDelivery.upsert({
        where: { id },
        create: { id, notificationId: input.notificationId, cadreId, channel: input.channel },
        update: {},
      });
      // What already happened first: a send that went out (or is carried by one under way) is not
      // refused because the channel was switched off or the cadre's id cleared since.
      if (row.status === 'SENT')
        return { status: 'SENT', channel: input.channel, providerId: row.providerId ?? '', combined: 0 };
      if (row.status === 'FAILED') return { status: 'FAILED', error: row.error ?? '' };
      if (row.combinedInto) {
        const leader = await prisma.channelDelivery.findUnique({ where: { id: row.combinedInto } });
        // Carried by another delivery's send, still under way: look again shortly (a fifth of the
        // channel's window, between 1 s and 30 s).
        if (leader?.status === 'PENDING') return { status: 'HELD', retryInMs: recheckInMs(input.channel) };
        row = await prisma.channelDelivery.update({ where: { id }, data: { combinedInto: null } });
      }
      const adapter = adapters[input.channel];
      if (!adapter)
        throw refused(`本系统未开通${CHANNEL_LABELS[input.channel]}`, CHANNEL_ERROR_TYPES.noAddress);
      const to = await addressOf(cadreId, input.channel);
      if (!to) throw refused(`干部未设置${CHANNEL_LABELS[input.channel]}账号`, CHANNEL_ERROR_TYPES.noAddress);

      const limit = settings.limits[input.channel];
      const noteError = async (reason: string) => {
        await prisma.channelDelivery.update({ where: { id }, data: { error: reason } });
      };
      if (!row.providerId) {
        let carried: string[];
        let found: ChannelSent | undefined;
        if (row.attemptBeganAt) {
          // An earlier attempt began and its outcome was lost (the worker died, the answer never
          // came): it may have gone out. Its room is still counted by the others; send the very same
          // message again, which the provider absorbs if it has it, or, where it would not, look first.
          carried = await carriedBy(id);
          try {
            found = await adapter.findSent?.(id, to, row.attemptBeganAt);
          } catch (error) {
            throw await failureOf(error, noteError);
          }
          if (!found)
            await prisma.channelDelivery.update({
              where: { id },
              data: { attempts: { increment: 1 }, lastAttemptAt: await dbNow(prisma) },
            });
        } else {
          const claimed = await claim(id, cadreId, input.channel, limit);
          if ('heldForMs' in claimed) return { status: 'HELD', retryInMs: claimed.heldForMs };
          carried = claimed.carried;
        }
        try {
          const sent =
            found ??
            (await adapter.send(await message(input.channel, to, [id, ...carried]), {
              key: id,
              deadline: sendDeadline,
            }));
          // From here the message is out: a retried attempt confirms this send instead of sending again.
          row = await prisma.channelDelivery.update({ where: { id }, data: { providerId: sent.providerId } });
        } catch (error) {
          // Refused: it did not go out. Anything else (unreachable, a timeout, no answer): it may have;
          // the mark and what it carries stay for the retry to send the same again.
          if (error instanceof ChannelError && error.permanent) await release(id, { error: error.message });
          throw await failureOf(error, noteError);
        }
      }

      if (adapter.confirm) {
        let confirmation: Confirmation;
        try {
          confirmation = await adapter.confirm(row.providerId ?? '', to);
        } catch (error) {
          if (error instanceof ChannelError && error.permanent) await release(id, { error: error.message });
          throw await failureOf(error, noteError);
        }
        // Sent again after an attempt whose outcome was lost, and refused as the same content the
        // person already has today: that attempt delivered it.
        const sentAgain =
          row.attemptBeganAt !== null &&
          row.lastAttemptAt !== null &&
          row.lastAttemptAt.getTime() > row.attemptBeganAt.getTime();
        if (
          confirmation.state === 'OVER_LIMIT' ||
          (confirmation.state === 'SAME_CONTENT_DELIVERED' && !sentAgain)
        ) {
          // Accepted and dropped: send again (with whatever is held by then) once the limit allows.
          const retryInMs =
            confirmation.state === 'OVER_LIMIT'
              ? (confirmation.retryAfterMs ?? limit.windowMs)
              : limit.windowMs;
          const now = await dbNow(prisma);
          await release(id, {
            providerId: null,
            heldUntil: new Date(now.getTime() + retryInMs),
            error: confirmation.detail,
          });
          return { status: 'HELD', retryInMs };
        }
      }
      const providerId = row.providerId ?? '';
      const combined = await markSent(id, providerId);
      return { status: 'SENT', channel: input.channel, providerId, combined };
    },

    /** Records a channel's refusal for good (shown to admins); never undoes a SENT. */
    async recordChannelFailure(input: ChannelDeliveryInput & { error: string }): Promise<void> {
      const id = deliveryId(input.notificationId, input.channel);
      const notification = await prisma.notification.findUniqueOrThrow({
        where: { id: input.notificationId },
        select: { cadreId: true },
      });
      await prisma.channelDelivery.upsert({
        where: { id },
        create: {
          id,
          notificationId: input.notificationId,
          cadreId: notification.cadreId,
          channel: input.channel,
          status: 'FAILED',
          error: input.error,
          lastAttemptAt: new Date(),
        },
        update: {},
      });
      await prisma.channelDelivery.updateMany({
        where: { id, status: { not: 'SENT' } },
        data: { status: 'FAILED', error: input.error, lastAttemptAt: new Date() },
      });
    },
  };
}

/** A ChannelError as Temporal should see it: refused for good (non-retryable) or retried. */
async function failureOf(
  error: unknown,
  note: (reason: string) => Promise<void>,
): Promise<ApplicationFailure> {
  if (!(error instanceof ChannelError)) throw error;
  await note(error.message).catch(() => {});
  return error.permanent
    ? ApplicationFailure.nonRetryable(error.message, CHANNEL_ERROR_TYPES.refused)
    : ApplicationFailure.retryable(error.message, CHANNEL_ERROR_TYPES.unavailable);
}
