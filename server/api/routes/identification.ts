// 识别纳入 over HTTP: thin routes that parse, call domain/identification, and answer.
import { z } from 'zod';
import { identificationCaseScope } from '../../../domain/access.js';
import { DomainError } from '../../../domain/errors.js';
import {
  decideIdentificationStep,
  objectionSchema,
  raiseCaseSchema,
  raiseIdentificationCase,
  recordIdentificationObjection,
  stepDecisionSchema,
} from '../../../domain/identification/cases.js';
import { importWarningList } from '../../../domain/identification/warning-import.js';
import {
  caseScopeWhere,
  identificationCase,
  identificationCases,
} from '../../../domain/queries/identification-cases.js';
import { identificationNotices } from '../../../domain/queries/identification-notice.js';
import type { SessionUser } from '../../../domain/users.js';
import { HttpError } from '../../errors.js';
import { type ApiDeps, defineRoute } from '../define-route.js';

const WARNING_LIST_MAX_BYTES = 5 * 1024 * 1024;
const caseParams = z.object({ id: z.string().trim().min(1, '案件编号必填').max(64) });

/** The signed-in account (every route below is guarded, so one is there). */
function signedIn(user: SessionUser | undefined): SessionUser {
  if (!user) throw new DomainError('FORBIDDEN', '请先登录');
  return user;
}

/** The case, if this account may read it (NOT_FOUND otherwise: its existence is not told). */
export async function readableCase(deps: ApiDeps, user: SessionUser | undefined, caseId: string) {
  const scope = await identificationCaseScope(deps.prisma, signedIn(user));
  const visible = await deps.prisma.identificationCase.count({
    where: { AND: [{ id: caseId }, caseScopeWhere(scope)] },
  });
  const found = visible ? await identificationCase(deps.prisma, caseId, new Date()) : undefined;
  if (!found) throw new DomainError('NOT_FOUND', `没有编号为 ${caseId} 的识别纳入案件`);
  return found;
}

export const identificationRoutes = [
  defineRoute({
    method: 'get',
    path: '/identification/cases',
    tag: '识别纳入',
    summary: '识别纳入案件列表（办理中的在前）：帮扶干部只看本人包联村、本人提出或本人承办的案件',
    access: 'readHouseholds',
    handle: async ({ deps, user }) => ({
      json: await identificationCases(deps.prisma, {
        now: new Date(),
        scope: await identificationCaseScope(deps.prisma, signedIn(user)),
      }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/identification/cases/:id',
    tag: '识别纳入',
    summary: '一个识别纳入案件：各环节、承办人、期限和结论',
    access: 'readHouseholds',
    params: caseParams,
    handle: async ({ deps, user, params }) => ({ json: await readableCase(deps, user, params.id) }),
  }),
  defineRoute({
    method: 'post',
    path: '/identification/cases',
    tag: '识别纳入',
    summary: '提出识别纳入（管理员；帮扶干部从农户页或走访中“发现新的风险户”），启动识别纳入流程',
    access: 'raiseIdentification',
    body: raiseCaseSchema,
    handle: async ({ deps, user, body }) => ({
      status: 201,
      json: await raiseIdentificationCase(deps, body, signedIn(user)),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/identification/cases/:id/decision',
    tag: '识别纳入',
    summary: '办理当前环节：通过（入户核实须附核实情况和农户签字同意）或不予纳入（须写明理由）',
    access: 'actOnIdentification',
    params: caseParams,
    body: stepDecisionSchema,
    handle: async ({ deps, user, params, body }) => ({
      json: await decideIdentificationStep(deps, params.id, body, signedIn(user)),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/identification/cases/:id/objection',
    tag: '识别纳入',
    summary: '登记公示期间收到的异议：案件终止，不予纳入',
    access: 'actOnIdentification',
    params: caseParams,
    body: objectionSchema,
    handle: async ({ deps, user, params, body }) => ({
      json: await recordIdentificationObjection(deps, params.id, body.text, signedIn(user)),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/identification/imports',
    tag: '识别纳入',
    summary:
      '导入部门筛查预警名单（CSV 或 XLSX；列：户编号、户主姓名、所属村、预警原因、预警部门）：每行一个案件，已有办理中案件或已在督战中的农户逐行拒绝并说明原因',
    access: 'administer',
    upload: { field: 'file', maxBytes: WARNING_LIST_MAX_BYTES },
    handle: async ({ deps, req, user }) => {
      const file = req.file;
      if (!file) throw new HttpError(400, 'invalid_input', '请选择要导入的文件');
      return {
        status: 201,
        json: await importWarningList(deps, file.buffer, file.originalname, signedIn(user)),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/identification/notices',
    tag: '识别纳入',
    summary: '识别纳入公示（按村）：只含户主姓名、所属村和纳入原因',
    access: 'readHouseholds',
    query: z.object({ villageId: z.string().trim().min(1).max(64).optional() }),
    handle: async ({ deps, query }) => ({
      json: await identificationNotices(deps.prisma, query.villageId ? { villageId: query.villageId } : {}),
    }),
  }),
];
