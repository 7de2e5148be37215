import { z } from 'zod';
import { CAPABILITIES } from '../../../domain/access.js';
import { listFailedChannelDeliveries, listFailedNotifications } from '../../../domain/notifications.js';
import {
  accountChangeSchema,
  changeAccount,
  changeOwnPassword,
  createUser,
  listUsers,
  newUserSchema,
  passwordChangeSchema,
  resetPassword,
  setAccountActive,
} from '../../../domain/users.js';
import { HttpError } from '../../errors.js';
import { defineRoute } from '../define-route.js';

const account = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  capabilities: z.array(z.enum(CAPABILITIES)),
  cadreId: z.string().nullable(),
  mustChangePassword: z.boolean(),
});
const accountRow = account.extend({
  cadreName: z.string().nullable(),
  cadreRank: z.string().nullable(),
  active: z.boolean(),
  lastLoginAt: z.string().nullable(),
});
const userIdParams = z.object({ id: z.string().min(1).max(64) });

export const userRoutes = [
  defineRoute({
    method: 'get',
    path: '/users',
    tag: '账号',
    summary: '所有账号（关联的干部、权限、是否停用）',
    access: 'administer',
    response: z.object({ users: z.array(accountRow) }),
    handle: async ({ deps }) => ({ json: { users: await listUsers(deps.prisma) } }),
  }),
  defineRoute({
    method: 'post',
    path: '/users',
    tag: '账号',
    summary: '新建账号：不填密码则生成一个，只显示这一次；首次登录必须修改',
    access: 'administer',
    body: newUserSchema,
    response: z.object({ user: account, password: z.string().optional() }),
    handle: async ({ deps, body }) => {
      // An admin knows the password it set or was shown: the account replaces it at its first log-in.
      const { user, generatedPassword } = await createUser(deps.prisma, body, { mustChangePassword: true });
      return { status: 201, json: { user, ...(generatedPassword ? { password: generatedPassword } : {}) } };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/users/:id',
    tag: '账号',
    summary: '调整账号的权限和关联干部；该账号的会话立即失效，重新登录后按新权限',
    access: 'administer',
    params: userIdParams,
    body: accountChangeSchema,
    response: z.object({ user: account }),
    handle: async ({ deps, params, body, user }) => {
      if (params.id === user?.id && !body.capabilities.includes('ADMINISTER'))
        throw new HttpError(409, 'conflict', '不能取消自己的管理员权限');
      return { json: { user: await changeAccount(deps.prisma, params.id, body) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/users/:id/password-reset',
    tag: '账号',
    summary: '重置密码：生成新密码（只显示这一次，首次登录必须修改），该账号的会话立即失效',
    access: 'administer',
    params: userIdParams,
    response: z.object({ user: account, password: z.string() }),
    handle: async ({ deps, params }) => ({ json: await resetPassword(deps.prisma, params.id) }),
  }),
  defineRoute({
    method: 'post',
    path: '/users/:id/deactivate',
    tag: '账号',
    summary: '停用账号：不能再登录，已登录的会话立即失效',
    access: 'administer',
    params: userIdParams,
    handle: async ({ deps, params, user }) => ({
      json: await setAccountActive(deps.prisma, params.id, false, user?.id ?? ''),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/users/:id/activate',
    tag: '账号',
    summary: '重新启用账号',
    access: 'administer',
    params: userIdParams,
    handle: async ({ deps, params, user }) => ({
      json: await setAccountActive(deps.prisma, params.id, true, user?.id ?? ''),
    }),
  }),
  defineRoute({
    method: 'put',
    path: '/account/password',
    tag: '账号',
    summary: '修改本人密码（需原密码）；其他设备上的会话随之失效',
    access: 'ownAccount',
    body: passwordChangeSchema,
    response: z.object({ user: account }),
    handle: async ({ deps, body, user, req }) => {
      if (!user) throw new HttpError(401, 'unauthenticated', '请先登录');
      const updated = await changeOwnPassword(deps.prisma, user.id, body, req.sessionID);
      req.session.user = updated;
      return { json: { user: updated } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/notifications/failed',
    tag: '通知',
    summary:
      '发送失败的通知（所有渠道都无法送达），以及各渠道的拒收（企业微信、钉钉、短信、邮件），附农户和干部',
    access: 'administer',
    handle: async ({ deps }) => ({
      json: {
        failed: await listFailedNotifications(deps.prisma),
        channels: await listFailedChannelDeliveries(deps.prisma),
      },
    }),
  }),
];
