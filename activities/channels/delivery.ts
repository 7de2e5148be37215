// The activities of delivery by channel, run by the `mail-<notification id>` workflow
// (workflows/mail/delivery.ts): which of the cadre's channels to try, in order, and one attempt to
// deliver a notification on one of them. The ChannelDelivery row (`<notification id>/<channel>`) is
// the sent-log: a notification goes out on a channel once, whatever is retried or replayed.
//
// Per-person limits (config/channels.ts): a send that would pass the cadre's limit on the channel is
// held until the window has room (the workflow sleeps on a durable timer); the first delivery that
// then gets the room sends every held notification of that cadre and channel as one message.
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
import { type ChannelAdapter, ChannelError, type ChannelMessage } from './types.js';
import { createWecomAdapter } from './wecom.js';

/** Error types; the workflow records the non-retryable ones as FAILED and tries the next channel. */
export const CHANNEL_ERROR_TYPES = {
  refused: 'ChannelRefused',
  unavailable: 'ChannelUnavailable',
  noAddress: 'ChannelNoAddress',
} as const;

/** The longest one attempt of deliverOnChannel runs (its start-to-close timeout in the workflow). */
const ATTEMPT_MAX_MS = 90_000;

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

export function createChannelActivities({ prisma, settings, sendEmail }: ChannelDeliveryDeps) {
  const adapters = adaptersFor(settings);

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
        const now = Date.now();
        const since = new Date(now - limit.windowMs);
        // What went out to this person in the window: sends (a combined message counts once) and
        // sends under way (claimed, not yet confirmed).
        const sent = await tx.channelDelivery.findMany({
          where: { cadreId, channel, combinedInto: null, status: 'SENT', sentAt: { gte: since } },
          select: { sentAt: true },
          orderBy: { sentAt: 'asc' },
        });
        // Under way: sent and not yet recorded SENT (providerId set), or an attempt that may still
        // be sending (begun within an attempt's longest run); however long ago it was claimed, it
        // reaches the person after the claim, so it counts.
        const underWay = await tx.channelDelivery.count({
          where: {
            cadreId,
            channel,
            combinedInto: null,
            status: 'PENDING',
            heldUntil: null,
            id: { not: id },
            OR: [{ providerId: { not: null } }, { lastAttemptAt: { gte: new Date(now - ATTEMPT_MAX_MS) } }],
          },
        });
        if (sent.length + underWay >= limit.max) {
          const oldest = sent[0]?.sentAt?.getTime() ?? now;
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
            id: { not: id },
          },
          select: { id: true },
          orderBy: { createdAt: 'asc' },
        });
        const carried = held.map((h) => h.id);
        if (carried.length > 0)
          await tx.channelDelivery.updateMany({ where: { id: { in: carried } }, data: { combinedInto: id } });
        await tx.channelDelivery.update({
          where: { id },
          data: { heldUntil: null, attempts: { increment: 1 }, lastAttemptAt: new Date(now) },
        });
        return { carried };
      },
      { timeout: 15_000 },
    );
  }

  /** The held deliveries a failed or dropped send carried go back to waiting on their own. */
  const release = (id: string) =>
    prisma.channelDelivery.updateMany({
      where: { combinedInto: id, status: 'PENDING' },
      data: { combinedInto: null },
    });

  async function message(channel: Channel, to: string, ids: string[]): Promise<ChannelMessage> {
    const rows = await prisma.channelDelivery.findMany({
      where: { id: { in: ids } },
      select: { id: true, notification: { select: { subject: true, text: true, link: true } } },
      orderBy: { createdAt: 'asc' },
    });
    const outbox: OutboxRow[] = rows.map((r) => r.notification);
    const { subject, text } = chatText(outbox, CHAT_TEXT_MAX_BYTES);
    const title = smsTitle(outbox, settings.sms?.maxParamLength ?? 35);
    return { to, subject, text: channel === 'SMS' ? title : text, title };
  }

  /** Sent: this delivery and those it carried, and their notifications. */
  async function markSent(id: string, providerId: string): Promise<number> {
    const group = await prisma.channelDelivery.findMany({
      where: { OR: [{ id }, { combinedInto: id }] },
      select: { notificationId: true },
    });
    const sentAt = new Date();
    await prisma.$transaction([
      prisma.channelDelivery.updateMany({
        where: { OR: [{ id }, { combinedInto: id }] },
        data: { status: 'SENT', sentAt, providerId, error: null, heldUntil: null },
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
      const notification = await prisma.notification.findUnique({
        where: { id: input.notificationId },
        select: { cadreId: true },
      });
      if (!notification) throw refused(`没有这条通知：${input.notificationId}`, 'NotificationMissing');
      const { cadreId } = notification;
      if (input.channel === 'EMAIL') return deliverByEmail(input, cadreId);

      const adapter = adapters[input.channel];
      if (!adapter)
        throw refused(`本系统未开通${CHANNEL_LABELS[input.channel]}`, CHANNEL_ERROR_TYPES.noAddress);
      const to = await addressOf(cadreId, input.channel);
      if (!to) throw refused(`干部未设置${CHANNEL_LABELS[input.channel]}账号`, CHANNEL_ERROR_TYPES.noAddress);
      const id = deliveryId(input.notificationId, input.channel);
      let row = await prisma.channelDelivery.upsert({
        where: { id },
        create: { id, notificationId: input.notificationId, cadreId, channel: input.channel },
        update: {},
      });
      if (row.status === 'SENT')
        return { status: 'SENT', channel: input.channel, providerId: row.providerId ?? '', combined: 0 };
      if (row.status === 'FAILED') return { status: 'FAILED', error: row.error ?? '' };
      if (row.combinedInto) {
        const leader = await prisma.channelDelivery.findUnique({ where: { id: row.combinedInto } });
        // Carried by another delivery's send, still under way: look again shortly (within the
        // channel's window, at most 30 s).
        if (leader?.status === 'PENDING')
          return { status: 'HELD', retryInMs: Math.min(30_000, settings.limits[input.channel].windowMs) };
        row = await prisma.channelDelivery.update({ where: { id }, data: { combinedInto: null } });
      }

      const limit = settings.limits[input.channel];
      if (!row.providerId) {
        const claimed = await claim(id, cadreId, input.channel, limit);
        if ('heldForMs' in claimed) return { status: 'HELD', retryInMs: claimed.heldForMs };
        const outgoing = await message(input.channel, to, [id, ...claimed.carried]);
        try {
          const sent = await adapter.send(outgoing);
          // From here the message is out: a retried attempt confirms this send instead of sending again.
          row = await prisma.channelDelivery.update({ where: { id }, data: { providerId: sent.providerId } });
        } catch (error) {
          await release(id);
          throw await failureOf(error, async (reason) => {
            await prisma.channelDelivery.update({ where: { id }, data: { error: reason } });
          });
        }
      }

      if (adapter.confirm) {
        let confirmation: Awaited<ReturnType<NonNullable<ChannelAdapter['confirm']>>>;
        try {
          confirmation = await adapter.confirm(row.providerId ?? '', to);
        } catch (error) {
          const permanent = error instanceof ChannelError && error.permanent;
          if (permanent) await release(id);
          throw await failureOf(error, async (reason) => {
            await prisma.channelDelivery.update({ where: { id }, data: { error: reason } });
          });
        }
        if (confirmation.state === 'OVER_LIMIT') {
          // Accepted and dropped: send again (with whatever is held by then) once the limit allows.
          const retryInMs = confirmation.retryAfterMs ?? limit.windowMs;
          await prisma.channelDelivery.update({
            where: { id },
            data: {
              providerId: null,
              heldUntil: new Date(Date.now() + retryInMs),
              error: confirmation.detail,
            },
          });
          await release(id);
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
