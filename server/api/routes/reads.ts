import { z } from 'zod';
import {
  ACCESS_MESSAGES,
  assertMayReadHousehold,
  readableHouseholds,
  taskListScope,
} from '../../../domain/access.js';
import { DomainError } from '../../../domain/errors.js';
import { currentPolicy } from '../../../domain/policy-versions.js';
import {
  AT_RISK_KEY_ARITY,
  allOpenTasks,
  CADRE_KEY_ARITY,
  CHART_MAX_WEEKS,
  cadrePage,
  chartSeries,
  dispatchReport,
  ESCALATION_KEY,
  HOUSEHOLD_LIST_KEY_ARITY,
  householdDetail,
  LEADER_KEY_ARITY,
  listHouseholds,
  myTasks,
  OPEN_TASK_KEY,
  OVERDUE_TASK_KEY,
  PROGRESS_KEY_ARITY,
  supervisionBoard,
} from '../../../domain/queries/index.js';
import { taskForForm } from '../../../domain/tasks.js';
import type { SessionUser } from '../../../domain/users.js';
import { HOUSEHOLD_CATEGORIES } from '../../../policy/index.js';
import { DAY_MS } from '../../../policy/township-calendar.js';
import { type ApiDeps, defineRoute } from '../define-route.js';
import { cursorParam, limitParam, pageQuery } from '../page-query.js';
import { householdIdParams } from './households.js';

const taskIdParams = z.object({ id: z.string().min(1).max(200) });

/** 403 unless this caller may read the household (domain/access.ts); routes admit callers first. */
export async function assertMayRead(deps: ApiDeps, user: SessionUser | undefined, householdId: string) {
  if (!user) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.unauthenticated);
  await assertMayReadHousehold(deps.prisma, user, householdId);
}

export const readRoutes = [
  defineRoute({
    method: 'get',
    path: '/policy',
    tag: '政策',
    summary: '现行督战策略（走访周期、督办阶梯、收入线、补助上限、稳定期）',
    access: 'readHouseholds',
    handle: async ({ deps }) => ({ json: { policy: await currentPolicy(deps.prisma) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/tasks',
    tag: '任务',
    summary:
      '任务：关联干部的账号默认看本人的任务（今日到期、已逾期、即将到期）；督战领导和管理员默认看全乡未办结任务（分页：cursor、limit，默认 50 条，最多 200 条），scope=mine 看本人的',
    access: 'readHouseholds',
    query: z
      .object({
        scope: z.enum(['mine', 'all'], { error: '范围必须是 mine 或 all' }).optional(),
        villageId: z.string().max(64).optional(),
        assigneeId: z.string().max(64).optional(),
      })
      .extend(pageQuery(OPEN_TASK_KEY.length).shape),
    handle: async ({ deps, user, query }) => {
      const now = new Date();
      if (!user) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.unauthenticated);
      const list = taskListScope(user, query.scope);
      const { scope: _scope, ...filter } = query;
      if (list.scope === 'all') return { json: await allOpenTasks(deps.prisma, { now, ...filter }) };
      return { json: await myTasks(deps.prisma, { cadreId: list.cadreId, now }) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:id',
    tag: '任务',
    summary: '一项任务及其表单所需（补助上限、家庭人口）',
    access: 'readHouseholds',
    params: taskIdParams,
    handle: async ({ deps, user, params }) => {
      const form = await taskForForm(deps.prisma, params.id, new Date());
      await assertMayRead(deps, user, form.task.householdId);
      return { json: form };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/households',
    tag: '农户',
    summary:
      '农户列表，按村名、户编号排序，分页（cursor、limit，默认 50 条，最多 200 条；帮扶干部只看到自己帮扶的，县级审批只看到退出程序中的）',
    access: 'readHouseholds',
    query: z
      .object({
        villageId: z.string().max(64).optional(),
        category: z.enum(HOUSEHOLD_CATEGORIES, { error: '户类别不正确' }).optional(),
        status: z.string().max(20).optional(),
      })
      .extend(pageQuery(HOUSEHOLD_LIST_KEY_ARITY).shape),
    handle: async ({ deps, user, query }) => {
      const readable = user ? await readableHouseholds(deps.prisma, user) : new Set<string>();
      const { cursor, limit, ...filter } = query;
      const list = await listHouseholds(
        deps.prisma,
        readable === 'all' ? filter : { ...filter, householdIds: [...readable] },
        { cursor, limit },
      );
      return { json: { households: list.items, page: list.page } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/households/:id',
    tag: '农户',
    summary: '农户详情：成员、帮扶干部、一户一策、走访台账、问题整改、流程时间线',
    access: 'readHouseholds',
    params: householdIdParams,
    handle: async ({ deps, user, params }) => {
      const detail = await householdDetail(deps.prisma, params.id);
      await assertMayRead(deps, user, params.id);
      return { json: detail };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/cadres',
    tag: '干部',
    summary: '干部及其当前帮扶负担；分页（cursor，limit 默认 50 条，最多 200 条），按职务从高到低、姓名',
    access: 'oversee',
    query: pageQuery(CADRE_KEY_ARITY),
    handle: async ({ deps, query }) => {
      const { items, page, total } = await cadrePage(deps.prisma, query);
      return { json: { cadres: items, total, page } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/board',
    tag: '督战',
    summary:
      '督战看板：逾期任务和督办（按级别、村、领导计数）、风险户、稳定脱贫进度；各列表分页（overdueCursor、escalationCursor、leaderCursor、atRiskCursor、progressCursor，limit 默认 50 条，最多 200 条）',
    access: 'oversee',
    query: z.object({
      overdueCursor: cursorParam(OVERDUE_TASK_KEY.length),
      escalationCursor: cursorParam(ESCALATION_KEY.length),
      leaderCursor: cursorParam(LEADER_KEY_ARITY),
      atRiskCursor: cursorParam(AT_RISK_KEY_ARITY),
      progressCursor: cursorParam(PROGRESS_KEY_ARITY),
      limit: limitParam,
    }),
    handle: async ({ deps, query }) => {
      const { limit } = query;
      return {
        json: await supervisionBoard(deps.prisma, {
          now: new Date(),
          pages: {
            overdueTasks: { cursor: query.overdueCursor, limit },
            openEscalations: { cursor: query.escalationCursor, limit },
            leaders: { cursor: query.leaderCursor, limit },
            householdsAtRisk: { cursor: query.atRiskCursor, limit },
            progress: { cursor: query.progressCursor, limit },
          },
        }),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/report',
    tag: '督战',
    summary:
      '调度会报告（默认最近 14 天）；逾期任务和风险户分页（overdueCursor、atRiskCursor），其余清单显示前 limit 条（默认 50，最多 200），总数见 summary',
    access: 'oversee',
    query: z.object({
      days: z.coerce.number({ error: '天数必须是数字' }).int().min(1).max(366).default(14),
      overdueCursor: cursorParam(OVERDUE_TASK_KEY.length),
      atRiskCursor: cursorParam(AT_RISK_KEY_ARITY),
      limit: limitParam,
    }),
    handle: async ({ deps, query }) => {
      const now = new Date();
      const { limit } = query;
      return {
        json: await dispatchReport(deps.prisma, {
          now,
          since: new Date(now.getTime() - query.days * DAY_MS),
          pages: {
            overdueTasks: { cursor: query.overdueCursor, limit },
            householdsAtRisk: { cursor: query.atRiskCursor, limit },
            limit,
          },
        }),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/charts',
    tag: '督战',
    summary: '图表数据：各类别和状态户数、每周逾期和督办、收入与收入线',
    access: 'oversee',
    query: z.object({
      weeks: z.coerce
        .number({ error: '周数必须是数字' })
        .int()
        .min(1)
        .max(CHART_MAX_WEEKS, `周数最多 ${CHART_MAX_WEEKS}`)
        .default(12),
    }),
    handle: async ({ deps, query }) => ({
      json: await chartSeries(deps.prisma, { now: new Date(), weeks: query.weeks }),
    }),
  }),
];
