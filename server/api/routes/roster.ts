import { ACCESS_MESSAGES, householdScope } from '../../../domain/access.js';
import { DomainError } from '../../../domain/errors.js';
import { householdRosterCsv, householdRosterXlsx } from '../../../domain/household-roster-export.js';
import { householdRoster, rosterQuerySchema } from '../../../domain/queries/household-roster.js';
import type { SessionUser } from '../../../domain/users.js';
import { defineRoute } from '../define-route.js';
import { sendDownload } from '../download.js';

/** Whose households the roster lists: domain/access.ts decides (a cadre their own, oversight all). */
export function rosterScope(user: SessionUser | undefined) {
  if (!user) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.unauthenticated);
  return householdScope(user);
}

export const rosterRoutes = [
  defineRoute({
    method: 'get',
    path: '/roster',
    tag: '农户',
    summary:
      '农户名册：按户编号、户主或家庭成员姓名（前缀）搜索，按村、户类别、督战状态、劳动力类型、帮扶干部、督办级别、逾期、风险筛选，排序、分页（每页最多 100 户）；帮扶干部只看到自己帮扶的农户',
    access: 'readHouseholds',
    query: rosterQuerySchema,
    handle: async ({ deps, user, query }) => ({
      json: await householdRoster(deps.prisma, { filter: query, scope: rosterScope(user), now: new Date() }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/exports/roster.xlsx',
    tag: '农户',
    summary: '按当前筛选条件导出农户名册（XLSX，不分页）',
    access: 'readHouseholds',
    query: rosterQuerySchema,
    produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    handle: async ({ deps, user, query, res }) => {
      const body = await householdRosterXlsx(deps.prisma, {
        filter: query,
        scope: rosterScope(user),
        now: new Date(),
      });
      return sendDownload(res, '农户名册', 'xlsx', body);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/exports/roster.csv',
    tag: '农户',
    summary: '按当前筛选条件导出农户名册（CSV，UTF-8，不分页）',
    access: 'readHouseholds',
    query: rosterQuerySchema,
    produces: 'text/csv',
    handle: async ({ deps, user, query, res }) => {
      const body = await householdRosterCsv(deps.prisma, {
        filter: query,
        scope: rosterScope(user),
        now: new Date(),
      });
      return sendDownload(res, '农户名册', 'csv', body);
    },
  }),
];
