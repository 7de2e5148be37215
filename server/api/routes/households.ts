import { z } from 'zod';
import { ACCESS_MESSAGES, assertMayEditHousehold } from '../../../domain/access.js';
import { factsReasonSchema, updateHouseholdFacts } from '../../../domain/actions/household-facts.js';
import { DomainError } from '../../../domain/errors.js';
import { readmitHousehold, registerHousehold, registerHouseholdSchema } from '../../../domain/households.js';
import type { SessionUser } from '../../../domain/users.js';
import { householdProfileSchema } from '../../../policy/household-profile.js';
import { reasonText } from '../../../policy/plain-text.js';
import { type ApiDeps, defineRoute } from '../define-route.js';

export const householdIdParams = z.object({ id: z.string().min(1).max(64) });

/** Whether a page offers the facts form: the same rule the route enforces (domain/access.ts). */
export function mayEditFacts(deps: ApiDeps, user: SessionUser | undefined, householdId: string) {
  if (!user) return Promise.resolve(false);
  return assertMayEditHousehold(deps.prisma, user, householdId).then(
    () => true,
    () => false,
  );
}

async function assertMayEditFacts(deps: ApiDeps, user: SessionUser | undefined, householdId: string) {
  const household = await deps.prisma.household.findUnique({
    where: { id: householdId },
    select: { id: true },
  });
  if (!household) throw new DomainError('NOT_FOUND', `没有编号为 ${householdId} 的农户`);
  if (!user) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.mayNotEditHousehold);
  await assertMayEditHousehold(deps.prisma, user, householdId);
}

export const householdWriteRoutes = [
  defineRoute({
    method: 'post',
    path: '/households',
    tag: '农户',
    summary:
      '登记农户（如新识别的边缘户）及其家庭成员、劳动力类型、致贫原因、帮扶需求、一户一策，并启动挂牌督战流程',
    access: 'administer',
    body: registerHouseholdSchema,
    handle: async ({ deps, body }) => ({
      status: 201,
      json: { household: await registerHousehold(deps, body) },
    }),
  }),
  defineRoute({
    method: 'put',
    path: '/households/:id/facts',
    tag: '农户',
    summary:
      '修改农户家庭信息（成员、劳动力类型、致贫原因、帮扶需求、一户一策、联系电话）：管理员或该户帮扶干部；督战中的农户由其流程重新核算',
    access: 'editHousehold',
    params: householdIdParams,
    body: householdProfileSchema.unwrap().extend({ reason: factsReasonSchema }),
    handle: async ({ deps, params, body, user, actor }) => {
      await assertMayEditFacts(deps, user, params.id);
      const { reason, ...profile } = body;
      return { json: await updateHouseholdFacts(deps, params.id, profile, actor, reason) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/households/:id/readmit',
    tag: '农户',
    summary: '回退：已退出或已终止督战的农户重新纳入督战（新的流程运行）',
    access: 'administer',
    params: householdIdParams,
    body: z.object({
      reason: reasonText,
    }),
    handle: async ({ deps, params, body, actor }) => {
      await readmitHousehold(deps, params.id, body.reason, actor);
      return { status: 202, json: { householdId: params.id, status: 'READMITTING' } };
    },
  }),
];
