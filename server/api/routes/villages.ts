import { z } from 'zod';
import { setVillageLeaders, villageMap, villageMapChangeSchema } from '../../../domain/villages.js';
import { defineRoute } from '../define-route.js';

export const villageRoutes = [
  defineRoute({
    method: 'get',
    path: '/villages',
    tag: '村',
    summary: '各村的包村领导、分管负责人和驻村干部',
    access: 'oversee',
    handle: async ({ deps }) => ({ json: { villages: await villageMap(deps.prisma) } }),
  }),
  defineRoute({
    method: 'put',
    path: '/villages/:id/leaders',
    tag: '村',
    summary: '设定一个村的包村领导和/或分管负责人（督办升级按此找人）',
    access: 'administer',
    params: z.object({ id: z.string().min(1).max(64) }),
    body: villageMapChangeSchema,
    handle: async ({ deps, params, body }) => ({
      json: { village: await setVillageLeaders(deps.prisma, params.id, body) },
    }),
  }),
];
