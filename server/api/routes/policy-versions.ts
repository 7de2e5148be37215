import { z } from 'zod';
import {
  listPolicyUpgrades,
  policyUpgradeStatus,
  startPolicyUpgrade,
} from '../../../domain/policy-upgrades.js';
import {
  draftPolicyVersion,
  listPolicyVersions,
  policyVersionDetail,
  publishPolicyVersion,
} from '../../../domain/policy-versions.js';
import { describeIssues, HOUSEHOLD_CATEGORIES, PolicyValidationError } from '../../../policy/index.js';
import { HttpError } from '../../errors.js';
import { defineRoute } from '../define-route.js';

const versionParams = z.object({ version: z.string().min(1).max(32) });
const note = z.string({ error: '说明必须是文字' }).trim().max(500, '说明最长 500 字');

/** A policy refused by the schema: 400 with every problem, each with its field. */
async function checkedPolicy<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PolicyValidationError)
      throw new HttpError(
        400,
        'invalid_policy',
        `督战策略有误：${describeIssues(error.issues)}`,
        error.issues,
      );
    throw error;
  }
}

export const policyVersionRoutes = [
  defineRoute({
    method: 'get',
    path: '/policy/versions',
    tag: '政策',
    summary: '督战策略的全部版本（草稿、已发布），新在前',
    access: 'administer',
    handle: async ({ deps }) => ({ json: { versions: await listPolicyVersions(deps.prisma) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/policy/versions/:version',
    tag: '政策',
    summary: '一个版本的完整策略，及其与现行版本逐项的不同',
    access: 'administer',
    params: versionParams,
    handle: async ({ deps, params }) => ({ json: await policyVersionDetail(deps.prisma, params.version) }),
  }),
  defineRoute({
    method: 'post',
    path: '/policy/versions',
    tag: '政策',
    summary: '起草新版本：按督战策略的同一规则校验，版本号须高于现行版本；答复与现行版本逐项的不同',
    access: 'administer',
    body: z.object({
      policy: z.record(z.string(), z.unknown(), { error: '请提交完整的督战策略（JSON 对象）' }),
      note: note.optional(),
    }),
    handle: async ({ deps, body, actor }) => ({
      status: 201,
      json: await checkedPolicy(() =>
        draftPolicyVersion(deps.prisma, { body: body.policy, note: body.note, by: actor }),
      ),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/policy/versions/:version/publish',
    tag: '政策',
    summary: '发布草稿：此后新纳入督战的农户按它执行；在督农户须经“升级”才改用它',
    access: 'administer',
    params: versionParams,
    handle: async ({ deps, params, actor }) => ({
      json: await publishPolicyVersion(deps.prisma, params.version, actor),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/policy/upgrades',
    tag: '政策',
    summary: '在督农户升级督战策略的进度（每个版本一个升级流程）',
    access: 'administer',
    handle: async ({ deps }) => ({ json: { upgrades: await listPolicyUpgrades(deps) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/policy/upgrades/:version',
    tag: '政策',
    summary: '升级到一个版本的进度：已完成、总数、失败及原因',
    access: 'administer',
    params: versionParams,
    handle: async ({ deps, params }) => ({ json: await policyUpgradeStatus(deps, params.version) }),
  }),
  defineRoute({
    method: 'post',
    path: '/policy/upgrades',
    tag: '政策',
    summary: '把在督农户（全部，或所选村、户类别）升级到现行版本；中断后再次提交即从中断处继续',
    access: 'administer',
    body: z.object({
      version: z.string({ error: '请选择要升级到的策略版本' }).min(1, '请选择要升级到的策略版本').max(32),
      villageIds: z.array(z.string().min(1).max(64), { error: '所选的村必须是一个列表' }).max(200).optional(),
      categories: z
        .array(z.enum(HOUSEHOLD_CATEGORIES, { error: '户类别必须是 未脱贫户、脱贫监测户 或 边缘户' }), {
          error: '户类别必须是一个列表',
        })
        .optional(),
    }),
    handle: async ({ deps, body, actor }) => {
      const started = await startPolicyUpgrade(deps, { ...body, by: actor });
      return { status: started.alreadyRunning ? 200 : 202, json: started };
    },
  }),
];
