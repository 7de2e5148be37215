import { z } from 'zod';
import { CHANNELS } from '../../../config/channels.js';
import { cadreChannels, cadreChannelsSchema, setCadreChannels } from '../../../domain/channels.js';
import { HttpError } from '../../errors.js';
import { defineRoute } from '../define-route.js';

const channelList = z.object({
  channels: z.array(z.object({ channel: z.enum(CHANNELS), label: z.string(), address: z.string() })),
});
const cadreParams = z.object({ id: z.string().min(1).max(64) });
const SUMMARY_ORDER = '按顺序尝试，某一渠道确定无法送达时改用下一个';

/** The cadre this account acts as, or 403: an account without a cadre receives no notifications. */
function ownCadre(user: { cadreId: string | null } | undefined): string {
  if (!user?.cadreId) throw new HttpError(403, 'forbidden', '本账号未关联干部，没有接收渠道');
  return user.cadreId;
}

export const channelRoutes = [
  defineRoute({
    method: 'get',
    path: '/cadres/:id/channels',
    tag: '通知',
    summary: `干部的通知接收渠道（电子邮件、企业微信、钉钉、短信），${SUMMARY_ORDER}`,
    access: 'administer',
    params: cadreParams,
    response: channelList,
    handle: async ({ deps, params }) => ({ json: { channels: await cadreChannels(deps.prisma, params.id) } }),
  }),
  defineRoute({
    method: 'put',
    path: '/cadres/:id/channels',
    tag: '通知',
    summary: `设置干部的通知接收渠道及顺序（企业微信、钉钉填 userid；短信用登记的手机号），${SUMMARY_ORDER}`,
    access: 'administer',
    params: cadreParams,
    body: cadreChannelsSchema,
    response: channelList,
    handle: async ({ deps, params, body }) => ({
      json: { channels: await setCadreChannels(deps.prisma, params.id, body) },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/account/channels',
    tag: '通知',
    summary: `本人的通知接收渠道，${SUMMARY_ORDER}`,
    access: 'ownWork',
    response: channelList,
    handle: async ({ deps, user }) => ({
      json: { channels: await cadreChannels(deps.prisma, ownCadre(user)) },
    }),
  }),
  defineRoute({
    method: 'put',
    path: '/account/channels',
    tag: '通知',
    summary: `设置本人的通知接收渠道及顺序，${SUMMARY_ORDER}`,
    access: 'ownWork',
    body: cadreChannelsSchema,
    response: channelList,
    handle: async ({ deps, user, body }) => ({
      json: { channels: await setCadreChannels(deps.prisma, ownCadre(user), body) },
    }),
  }),
];
