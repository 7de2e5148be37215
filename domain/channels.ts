// Where a cadre is reached: an ordered list of channels (电子邮件, 企业微信, 钉钉, 短信), the first that
// takes a notification wins and the next is tried when one refuses for good. Set by an admin for
// any cadre, or by the cadre for themself; the delivery (activities/channels/delivery.ts) reads it.
import { z } from 'zod';
import { CHANNEL_LABELS, CHANNELS, type Channel } from '../config/channels.js';
import type { PrismaClient } from '../db/client.js';
import { DomainError } from './errors.js';

/** A WeCom or DingTalk userid: letters, digits and _ . @ -, as both services allow (at most 64). */
const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;
/** A mainland mobile number, the only kind the SMS templates are approved for. */
const MOBILE = /^1[3-9]\d{9}$/;

export const cadreChannelsSchema = z.object({
  channels: z
    .array(
      z.object({
        channel: z.enum(CHANNELS, { error: '渠道只能是电子邮件、企业微信、钉钉或短信' }),
        address: z.string().trim().max(64, '账号最多 64 个字符').default(''),
      }),
      { error: '请给出渠道列表' },
    )
    .min(1, '至少选择一个接收渠道')
    .max(CHANNELS.length, '每个渠道只能选一次'),
});
export type CadreChannelsInput = z.input<typeof cadreChannelsSchema>;

export interface CadreChannelView {
  channel: Channel;
  label: string;
  address: string;
}

/** The cadre's channels in order; e-mail alone when none was ever set. */
export async function cadreChannels(prisma: PrismaClient, cadreId: string): Promise<CadreChannelView[]> {
  const cadre = await prisma.cadre.findUnique({
    where: { id: cadreId },
    select: { channels: { orderBy: { position: 'asc' } } },
  });
  if (!cadre) throw new DomainError('NOT_FOUND', '没有这位干部');
  const list = cadre.channels.length > 0 ? cadre.channels : [{ channel: 'EMAIL', address: '' }];
  return list.map((c) => ({
    channel: c.channel as Channel,
    label: CHANNEL_LABELS[c.channel as Channel] ?? c.channel,
    address: c.address,
  }));
}

/**
 * Replaces the cadre's channels with `input`, in its order. Refused (nothing changed) with a
 * message the cadre understands: a channel twice, a WeCom or DingTalk channel without a valid
 * userid, SMS without a mobile number on the cadre, e-mail without an address.
 */
export async function setCadreChannels(
  prisma: PrismaClient,
  cadreId: string,
  input: unknown,
): Promise<CadreChannelView[]> {
  const parsed = cadreChannelsSchema.safeParse(input);
  if (!parsed.success) throw new DomainError('INVALID', parsed.error.issues[0]?.message ?? '渠道设置有误');
  const { channels } = parsed.data;
  const cadre = await prisma.cadre.findUnique({
    where: { id: cadreId },
    select: { email: true, phone: true },
  });
  if (!cadre) throw new DomainError('NOT_FOUND', '没有这位干部');
  const seen = new Set<Channel>();
  for (const { channel, address } of channels) {
    const label = CHANNEL_LABELS[channel];
    if (seen.has(channel)) throw new DomainError('INVALID', `${label}只能选一次`);
    seen.add(channel);
    if ((channel === 'WECOM' || channel === 'DINGTALK') && !USER_ID.test(address))
      throw new DomainError('INVALID', `请填写正确的${label}账号（userid：字母、数字或 _ . @ -）`);
    if (channel === 'SMS' && !MOBILE.test(cadre.phone.trim()))
      throw new DomainError('INVALID', '该干部没有登记正确的手机号，不能选择短信');
    if (channel === 'EMAIL' && !cadre.email.includes('@'))
      throw new DomainError('INVALID', '该干部没有登记电子邮箱，不能选择电子邮件');
  }
  await prisma.$transaction([
    prisma.cadreChannel.deleteMany({ where: { cadreId } }),
    prisma.cadreChannel.createMany({
      data: channels.map((c, position) => ({
        cadreId,
        channel: c.channel,
        position,
        address: c.channel === 'WECOM' || c.channel === 'DINGTALK' ? c.address : '',
      })),
    }),
  ]);
  return cadreChannels(prisma, cadreId);
}
