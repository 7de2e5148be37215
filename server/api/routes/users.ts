import { z } from 'zod';
import { listFailedNotifications } from '../../../domain/notifications.js';
import { createUser, newUserSchema, ROLES } from '../../../domain/users.js';
import { defineRoute } from '../define-route.js';

const userRow = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  cadreId: z.string().nullable(),
  active: z.boolean(),
  lastLoginAt: z.string().nullable(),
});

export const userRoutes = [
  defineRoute({
    method: 'get',
    path: '/users',
    tag: '账号',
    summary: '所有账号',
    access: ['ADMIN'],
    response: z.object({ users: z.array(userRow) }),
    handle: async ({ deps }) => {
      const users = await deps.prisma.user.findMany({ orderBy: { username: 'asc' } });
      return {
        json: {
          users: users.map(({ passwordHash: _hidden, ...u }) => ({
            ...u,
            lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
          })),
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/users',
    tag: '账号',
    summary: '新建账号（密码以 argon2id 散列保存）',
    access: ['ADMIN'],
    body: newUserSchema,
    handle: async ({ deps, body }) => ({ status: 201, json: { user: await createUser(deps.prisma, body) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/notifications/failed',
    tag: '通知',
    summary: '发送失败的邮件（地址错误、服务器拒收），附农户和干部',
    access: ['ADMIN'],
    handle: async ({ deps }) => ({ json: { failed: await listFailedNotifications(deps.prisma) } }),
  }),
];
