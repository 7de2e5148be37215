import { z } from 'zod';
import { readmitHousehold, registerHousehold, registerHouseholdSchema } from '../../../domain/households.js';
import { defineRoute } from '../define-route.js';

export const householdIdParams = z.object({ id: z.string().min(1).max(64) });

export const householdWriteRoutes = [
  defineRoute({
    method: 'post',
    path: '/households',
    tag: '农户',
    summary: '登记农户（如新识别的边缘户）并启动其挂牌督战流程',
    access: 'administer',
    body: registerHouseholdSchema,
    handle: async ({ deps, body }) => ({
      status: 201,
      json: { household: await registerHousehold(deps, body) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/households/:id/readmit',
    tag: '农户',
    summary: '回退：已退出或已终止督战的农户重新纳入督战（新的流程运行）',
    access: 'administer',
    params: householdIdParams,
    body: z.object({
      reason: z.string({ error: '请说明原因' }).trim().min(1, '请说明原因').max(500, '原因最长 500 字'),
    }),
    handle: async ({ deps, params, body, user }) => {
      await readmitHousehold(deps, params.id, body.reason, user?.id ?? 'admin');
      return { status: 202, json: { householdId: params.id, status: 'READMITTING' } };
    },
  }),
];
