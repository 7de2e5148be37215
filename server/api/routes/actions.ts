import { z } from 'zod';
import { assertMayDecideClosingStep } from '../../../domain/access.js';
import {
  cancelSupervision,
  changeCategory,
  decideClosingStep,
  declareShock,
  handOverCadre,
  pauseSupervision,
  reassignHousehold,
  resumeSupervision,
} from '../../../domain/actions/index.js';
import { activityHealth } from '../../../domain/activity-health.js';
import { exportLedgerXlsx, ledgerCsvChunks } from '../../../domain/ledger/export-ledger.js';
import { importLedger } from '../../../domain/ledger/import-ledger.js';
import { dispatchReport, MAX_PAGE_SIZE } from '../../../domain/queries/index.js';
import { dispatchReportCsv } from '../../../domain/report-export.js';
import {
  assignmentRoleSchema,
  CLOSING_STEPS,
  HOUSEHOLD_CATEGORIES,
  reasonText,
} from '../../../policy/index.js';
import { DAY_MS } from '../../../policy/township-calendar.js';
import { HttpError } from '../../errors.js';
import { defineRoute } from '../define-route.js';
import { sendDownload } from '../download.js';
import { householdIdParams } from './households.js';

const cadreParams = z.object({ id: z.string().min(1).max(64) });
const IMPORT_MAX_BYTES = 5 * 1024 * 1024;

export const actionRoutes = [
  defineRoute({
    method: 'post',
    path: '/households/:id/category',
    tag: '农户',
    summary: '调整户类别（经督战流程，走访周期随之调整）',
    access: 'administer',
    params: householdIdParams,
    body: z.object({
      category: z.enum(HOUSEHOLD_CATEGORIES, { error: '户类别必须是 未脱贫户、脱贫监测户 或 边缘户' }),
    }),
    handle: async ({ deps, params, body, actor }) => ({
      json: await changeCategory(deps, params.id, body.category, actor),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/households/:id/reassign',
    tag: '农户',
    summary: '调整一户的帮扶责任人或结对领导（生成交接走访任务）',
    access: 'administer',
    params: householdIdParams,
    body: z.object({
      role: assignmentRoleSchema,
      cadreId: z.string({ error: '请选择接替的干部' }).min(1, '请选择接替的干部').max(64),
      reason: reasonText,
    }),
    handle: async ({ deps, params, body, actor }) => ({
      json: await reassignHousehold(deps, params.id, body.role, body.cadreId, body.reason, actor),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/cadres/:id/handover',
    tag: '干部',
    summary: '离岗干部的全部帮扶户交给接替干部（每户生成交接走访任务）',
    access: 'administer',
    params: cadreParams,
    body: z.object({
      toCadreId: z.string({ error: '请选择接替的干部' }).min(1, '请选择接替的干部').max(64),
      reason: reasonText,
      deactivate: z.boolean().optional(),
    }),
    handle: async ({ deps, params, body, actor }) => ({
      json: await handOverCadre(deps, params.id, body.toCadreId, body.reason, actor, {
        deactivate: body.deactivate ?? false,
      }),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/shocks',
    tag: '农户',
    summary: '对一批农户宣布突发风险（立即复查，风险期内加密走访）',
    access: 'administer',
    body: z.object({
      householdIds: z
        .array(z.string().min(1).max(64), { error: '请选择农户' })
        .min(1, '请至少选择一户')
        .max(5000),
      reason: reasonText,
    }),
    handle: async ({ deps, body, actor }) => ({
      json: await declareShock(deps, body.householdIds, body.reason, actor),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/activity-health',
    tag: '农户',
    summary: '后台任务健康：无法自动恢复的失败（已记录，督战继续），以及重试超过一小时的任务及其重试次数',
    access: 'administer',
    handle: async ({ deps }) => ({ json: await activityHealth(deps.prisma) }),
  }),
  defineRoute({
    method: 'post',
    path: '/households/:id/closing',
    tag: '退出',
    summary:
      '退出程序的审批：民主评议、乡镇审核（督战领导）、县级审批（县级审批人）通过或不通过；公示期间提出异议',
    access: 'decideClosing',
    params: householdIdParams,
    body: z.object({
      step: z.enum(CLOSING_STEPS, { error: '退出程序步骤不正确' }),
      approved: z.boolean({ error: '请选择通过或不通过' }),
      note: z.string({ error: '请填写意见' }).trim().min(1, '请填写意见').max(500, '意见最长 500 字'),
    }),
    handle: async ({ deps, params, body, user }) => {
      if (user) assertMayDecideClosingStep(user, body.step);
      return { json: await decideClosingStep(deps, params.id, body, user?.id ?? 'supervisor') };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/households/:id/pause',
    tag: '农户',
    summary: '暂停督战（所有期限停止计时，恢复后顺延）',
    access: 'administer',
    params: householdIdParams,
    body: z.object({ reason: reasonText }),
    handle: async ({ deps, params, body, actor }) => ({
      json: await pauseSupervision(deps, params.id, body.reason, actor),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/households/:id/resume',
    tag: '农户',
    summary: '恢复督战',
    access: 'administer',
    params: householdIdParams,
    handle: async ({ deps, params, actor }) => ({
      json: await resumeSupervision(deps, params.id, actor),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/households/:id/cancel',
    tag: '农户',
    summary: '终止督战（迁出、死亡或其他原因）',
    access: 'administer',
    params: householdIdParams,
    body: z.object({
      reason: z.enum(['MOVED_AWAY', 'DECEASED', 'OTHER'], { error: '原因必须是 迁出、死亡 或 其他' }),
      note: z.string().trim().max(500, '说明最长 500 字').default(''),
    }),
    handle: async ({ deps, params, body, actor }) => ({
      json: await cancelSupervision(deps, params.id, body, actor),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/imports',
    tag: '台账',
    summary: '导入工作台账（CSV 或 XLSX，全部无误才导入，否则逐行报错）',
    access: 'administer',
    upload: { field: 'file', maxBytes: IMPORT_MAX_BYTES },
    handle: async ({ deps, req, actor }) => {
      const file = req.file;
      if (!file) throw new HttpError(400, 'invalid_input', '请选择要导入的文件');
      const result = await importLedger(deps, file.buffer, file.originalname, actor);
      if (result.errors.length > 0) {
        throw new HttpError(
          422,
          'import_rejected',
          `台账有 ${result.errors.length} 处错误，未导入任何一行`,
          result.errors,
        );
      }
      return { status: 201, json: result };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/exports/ledger.xlsx',
    tag: '台账',
    summary: '导出工作台账（XLSX）',
    access: 'oversee',
    produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    handle: async ({ deps, res }) => {
      return sendDownload(res, '工作台账', 'xlsx', await exportLedgerXlsx(deps.prisma));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/exports/ledger.csv',
    tag: '台账',
    summary: '导出工作台账（CSV，UTF-8）',
    access: 'oversee',
    produces: 'text/csv',
    handle: async ({ deps, res }) => {
      // Streamed a chunk of households at a time: the file is never whole in memory.
      return sendDownload(res, '工作台账', 'csv', ledgerCsvChunks(deps.prisma));
    },
  }),
];

export const reportExportRoutes = [
  defineRoute({
    method: 'get',
    path: '/exports/report.csv',
    tag: '督战',
    summary: '下载调度会报告（CSV）',
    access: 'oversee',
    query: z.object({ days: z.coerce.number({ error: '天数必须是数字' }).int().min(1).max(366).default(14) }),
    produces: 'text/csv',
    handle: async ({ deps, query, res }) => {
      const now = new Date();
      // The download carries the largest page of each list; the summary carries every count.
      const report = await dispatchReport(deps.prisma, {
        now,
        since: new Date(now.getTime() - query.days * DAY_MS),
        pages: {
          overdueTasks: { limit: MAX_PAGE_SIZE },
          householdsAtRisk: { limit: MAX_PAGE_SIZE },
          limit: MAX_PAGE_SIZE,
        },
      });
      return sendDownload(res, '调度会报告', 'csv', await dispatchReportCsv(report));
    },
  }),
];
