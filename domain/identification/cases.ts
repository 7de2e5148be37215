// 识别纳入 cases: raising one (an admin, a cadre from the household page or a visit, a department's
// warning list), acting on its steps and recording a 公示 objection. The read model is written by the
// workflow's activities; this module writes only the case's first row (and a new household's), then
// starts `identification-<case id>` and passes decisions to it as updates.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { townshipTimeZone } from '../../config/township-clock.js';
import {
  householdCategorySchema,
  householdNumberSchema,
  householdProfileSchema,
  IDENTIFICATION_SOURCES,
  IDENTIFICATION_STEPS,
  type IdentificationSource,
  identificationLimitAt,
  identificationRules,
  multiLine,
  singleLine,
} from '../../policy/index.js';
import { Prisma } from '../../prisma/generated/client.js';
import {
  decideIdentificationStepUpdate,
  type IdentificationState,
  identificationWorkflowId,
  recordObjectionUpdate,
  type StepDecisionArgs,
} from '../../workflows/identification/definitions.js';
import { identificationWorkflow } from '../../workflows/identification/workflow.js';
import { type Actor, assertMayActOnIdentificationStep, assertMayRaiseIdentification } from '../access.js';
import { callWorkflow, workflowHandle } from '../actions/workflow-calls.js';
import { DomainError } from '../errors.js';
import type { HouseholdDeps } from '../households.js';
import { currentPolicy } from '../policy-versions.js';

export type IdentificationDeps = HouseholdDeps;

/** Who raises or acts: the signed-in user's id (audit) and what their account may do. */
export type IdentificationActor = Actor & { id: string };

/** A case is about a household of the ledger, or a new one found on a visit or in a list. */
export const raiseCaseSchema = z
  .object({
    householdId: z.string().trim().min(1).max(64).optional(),
    number: householdNumberSchema.optional(),
    headName: singleLine('户主姓名', 40).optional(),
    villageName: singleLine('所属村', 40).optional(),
    source: z.enum(IDENTIFICATION_SOURCES, {
      error: '识别来源必须是 农户自主申报、干部排查、部门筛查预警 或 管理员登记',
    }),
    reason: singleLine('风险原因', 200).refine((v) => v.length > 0, '请填写风险原因'),
  })
  .refine((v) => v.householdId || (v.number && v.headName && v.villageName), {
    message: '请选择农户，或填写新农户的户编号、户主姓名和所属村',
  });
export type RaiseCaseInput = z.infer<typeof raiseCaseSchema>;

/** The refusal for a household that may not have a new case, or undefined when it may. */
export async function whyNoNewCase(
  deps: Pick<IdentificationDeps, 'prisma'>,
  household: { id: string; number: string; status: string },
): Promise<string | undefined> {
  if (household.status === 'STABLY_OUT' || household.status === 'CANCELLED')
    return `户编号 ${household.number} 已结束督战，重新纳入请使用“回退”`;
  if (household.status !== 'REGISTERED') return `户编号 ${household.number} 已在挂牌督战中，不能重复识别纳入`;
  const open = await deps.prisma.identificationCase.findUnique({
    where: { openHouseholdId: household.id },
    select: { id: true },
  });
  return open ? `户编号 ${household.number} 已有正在办理的识别纳入案件` : undefined;
}

/**
 * Raises a case and starts its workflow. The household must be REGISTERED (never under supervision)
 * with no open case; a new household (number, head, village) is written to the ledger first.
 */
export async function raiseIdentificationCase(
  deps: IdentificationDeps,
  input: RaiseCaseInput,
  actor: IdentificationActor,
): Promise<{ caseId: string; householdId: string; workflowId: string; limitAt: string }> {
  const { prisma } = deps;
  if (input.source === 'ADMIN' && !actor.capabilities.includes('ADMINISTER'))
    throw new DomainError('INVALID', '“管理员登记”只能由管理员提出');
  let household = input.householdId
    ? await prisma.household.findUnique({ where: { id: input.householdId } })
    : await prisma.household.findUnique({ where: { number: input.number ?? '' } });
  if (input.householdId && !household)
    throw new DomainError('NOT_FOUND', `没有编号为 ${input.householdId} 的农户`);
  let villageId = household?.villageId;
  if (!household) {
    const village = await prisma.village.findUnique({ where: { name: input.villageName ?? '' } });
    if (!village) throw new DomainError('INVALID', `没有名为“${input.villageName}”的村`);
    villageId = village.id;
  }
  await assertMayRaiseIdentification(prisma, actor, villageId as string);
  if (household) {
    const why = await whyNoNewCase(deps, household);
    if (why) throw new DomainError('CONFLICT', why);
  }

  const policy = await currentPolicy(prisma);
  const rules = identificationRules(policy);
  const timeZone = townshipTimeZone();
  // Provisional: the workflow writes the case's clock from its own start (a moment later).
  const raisedAt = new Date().toISOString();
  const limitAt = identificationLimitAt(rules, raisedAt, timeZone);
  const caseId = randomUUID();
  const workflowId = identificationWorkflowId(caseId);
  try {
    household = await prisma.$transaction(async (tx) => {
      const row =
        household ??
        (await tx.household.create({
          data: {
            id: input.number as string,
            number: input.number as string,
            headName: input.headName as string,
            villageId: villageId as string,
            category: 'MARGINAL',
          },
        }));
      await tx.identificationCase.create({
        data: {
          id: caseId,
          householdId: row.id,
          openHouseholdId: row.id,
          workflowId,
          source: input.source,
          reason: input.reason,
          raisedBy: actor.id,
          raisedByCadreId: actor.cadreId,
          raisedAt: new Date(raisedAt),
          policyVersion: policy.version,
          limitAt: new Date(limitAt),
          step: 'HOME_CHECK',
        },
      });
      await tx.auditLog.create({
        data: {
          actor: actor.id,
          action: 'IDENTIFICATION_RAISED',
          householdId: row.id,
          workflowId,
          detail: { caseId, source: input.source, reason: input.reason },
        },
      });
      return row;
    });
  } catch (error) {
    // Two cases raised at once for one household: the second meets the first's open row.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
      throw new DomainError(
        'CONFLICT',
        `户编号 ${input.number ?? input.householdId} 已有正在办理的识别纳入案件或已登记`,
      );
    throw error;
  }
  await startCaseWorkflow(deps, caseId, () =>
    deps.temporal.workflow.start(identificationWorkflow, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [
        {
          caseId,
          householdId: household.id,
          policy,
          timeZone,
          ...(actor.cadreId ? { raisedByCadreId: actor.cadreId } : {}),
        },
      ],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  );
  return { caseId, householdId: household.id, workflowId, limitAt };
}

/** A start that fails leaves no open case behind: the household may be raised again. */
async function startCaseWorkflow(deps: IdentificationDeps, caseId: string, start: () => Promise<unknown>) {
  try {
    await start();
  } catch (error) {
    await deps.prisma.identificationCase.update({
      where: { id: caseId },
      data: { status: 'REFUSED', openHouseholdId: null, outcomeReason: '流程未能启动', closedAt: new Date() },
    });
    throw error;
  }
}

async function openCase(deps: IdentificationDeps, caseId: string) {
  const found = await deps.prisma.identificationCase.findUnique({
    where: { id: caseId },
    include: { steps: true },
  });
  if (!found) throw new DomainError('NOT_FOUND', `没有编号为 ${caseId} 的识别纳入案件`);
  if (found.status !== 'OPEN') throw new DomainError('CONFLICT', '该识别纳入案件已结束');
  return found;
}

const homeCheckSchema = z.object({
  category: householdCategorySchema,
  profile: householdProfileSchema,
  consentSigned: z.boolean({ error: '请确认农户已签字同意入户核实' }),
  assistanceCadreId: z.string().trim().min(1).max(64).optional(),
});

export const stepDecisionSchema = z.object({
  step: z.enum(IDENTIFICATION_STEPS, { error: '环节不正确' }).exclude(['PUBLIC_NOTICE'], {
    error: '公示期满后自动进入下一步，只能在公示期间登记异议',
  }),
  approved: z.boolean({ error: '请选择 通过 或 不予纳入' }),
  reason: multiLine('意见', 500).default(''),
  homeCheck: homeCheckSchema.optional(),
});
export type StepDecisionInput = z.infer<typeof stepDecisionSchema>;

/** Acts on the case's current step; the workflow checks it again and answers its new state. */
export async function decideIdentificationStep(
  deps: IdentificationDeps,
  caseId: string,
  input: StepDecisionInput,
  actor: IdentificationActor,
): Promise<IdentificationState> {
  const found = await openCase(deps, caseId);
  const step = found.steps.find((s) => s.step === input.step && !s.completedAt);
  if (found.step !== input.step || !step)
    throw new DomainError('CONFLICT', '该案件当前不在这个环节，请刷新页面');
  assertMayActOnIdentificationStep(actor, input.step, step.assigneeId);
  const keeper = input.homeCheck?.assistanceCadreId;
  if (keeper) {
    const cadre = await deps.prisma.cadre.findUnique({ where: { id: keeper } });
    if (!cadre?.active || cadre.rank !== 'ASSISTANCE_CADRE')
      throw new DomainError('INVALID', '帮扶责任人必须是在岗的帮扶责任人');
  }
  const args: StepDecisionArgs = {
    step: input.step,
    approved: input.approved,
    by: actor.id,
    ...(input.reason ? { reason: input.reason } : {}),
    ...(actor.cadreId ? { byCadreId: actor.cadreId } : {}),
    ...(input.homeCheck ? { homeCheck: input.homeCheck } : {}),
  };
  return callWorkflow(() =>
    workflowHandle(deps, found.workflowId).executeUpdate(decideIdentificationStepUpdate, { args: [args] }),
  );
}

export const objectionSchema = z.object({
  text: multiLine('异议内容', 500).refine((v) => v.length > 0, '请填写异议内容'),
});

/** An objection received during the 公示: the case stops (不予纳入, the objection as its reason). */
export async function recordIdentificationObjection(
  deps: IdentificationDeps,
  caseId: string,
  text: string,
  actor: IdentificationActor,
): Promise<IdentificationState> {
  const found = await openCase(deps, caseId);
  assertMayActOnIdentificationStep(actor, 'PUBLIC_NOTICE', null);
  if (found.step !== 'PUBLIC_NOTICE') throw new DomainError('CONFLICT', '只能在公示期间登记异议');
  return callWorkflow(() =>
    workflowHandle(deps, found.workflowId).executeUpdate(recordObjectionUpdate, {
      args: [{ text, by: actor.id }],
    }),
  );
}

export type { IdentificationSource };
