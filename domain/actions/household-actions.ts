// Admin actions on households. Each goes through the household's workflow (an update or a signal),
// which writes the read model itself; nothing here writes a household's state directly.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  assignmentRoleSchema,
  type CadreRank,
  householdCategorySchema,
  LEADER_RANKS,
  reasonText,
} from '../../policy/index.js';
import {
  type CadreRole,
  changeCategoryUpdate,
  reassignCadreUpdate,
} from '../../workflows/household/definitions.js';
import { shockBatchWorkflow } from '../../workflows/household/shock-batch.js';
import { DomainError } from '../errors.js';
import { handOverVillages, type VillagesHandedOver } from '../villages.js';
import { type ActionDeps, type HouseholdActionResult, updateHouseholdWorkflow } from './workflow-calls.js';

function checked<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new DomainError('INVALID', result.error.issues[0]?.message ?? '输入有误');
  return result.data;
}

/** 未脱贫户 / 脱贫监测户 / 边缘户: the workflow records it and its visit cadence follows. */
export async function changeCategory(
  deps: ActionDeps,
  householdId: string,
  category: string,
  by: string,
): Promise<HouseholdActionResult> {
  const to = checked(householdCategorySchema, category);
  return updateHouseholdWorkflow(deps, householdId, changeCategoryUpdate, { category: to, by });
}

/** A cadre who may take the role: active, and of the right rank (帮扶责任人 / a township leader). */
async function cadreForRole(deps: ActionDeps, role: CadreRole, cadreId: string) {
  const cadre = await deps.prisma.cadre.findUnique({ where: { id: cadreId } });
  if (!cadre) throw new DomainError('NOT_FOUND', `没有编号为 ${cadreId} 的干部`);
  if (!cadre.active) throw new DomainError('INVALID', `干部 ${cadre.name} 已停用，不能接替`);
  if (role === 'ASSISTANCE' && cadre.rank !== 'ASSISTANCE_CADRE')
    throw new DomainError('INVALID', `${cadre.name} 不是帮扶责任人，不能担任该户的帮扶责任人`);
  if (role === 'LEADER' && !LEADER_RANKS.includes(cadre.rank as CadreRank))
    throw new DomainError('INVALID', `${cadre.name} 不是乡镇领导干部，不能担任结对帮扶领导`);
  return cadre;
}

/**
 * Gives the household's 帮扶责任人 (ASSISTANCE) or paired leader (LEADER) role to another cadre; the
 * workflow moves the open tasks and opens a handover visit for the new cadre.
 */
export async function reassignHousehold(
  deps: ActionDeps,
  householdId: string,
  role: string,
  cadreId: string,
  reason: string,
  by: string,
): Promise<HouseholdActionResult> {
  const r = checked(assignmentRoleSchema, role);
  const why = checked(reasonText, reason);
  await cadreForRole(deps, r, cadreId);
  return updateHouseholdWorkflow(deps, householdId, reassignCadreUpdate, {
    role: r,
    cadreId,
    reason: why,
    by,
  });
}

export interface HandOverResult {
  fromCadreId: string;
  toCadreId: string;
  /** One per household where the leaving cadre held an open assignment. */
  results: Array<{
    householdId: string;
    number: string;
    headName: string;
    role: string;
    ok: boolean;
    /** Why it failed (Chinese), when it did. */
    message: string | null;
  }>;
  moved: number;
  failed: number;
  /** The leaving cadre was marked inactive (only when asked and every household moved). */
  deactivated: boolean;
  /** Their villages: coverage and the village map's posts (domain/villages.ts). */
  villages: VillagesHandedOver;
}

/**
 * A leaving cadre's whole list: every household where they hold an open assignment is given to
 * `toCadreId` in the same role, one workflow update each (each opens a handover visit), and so are
 * their villages (coverage and the village map's posts). With
 * `deactivate`, the leaving cadre is then marked inactive — only if every household moved, so no
 * household is left with an inactive cadre.
 */
export async function handOverCadre(
  deps: ActionDeps,
  fromCadreId: string,
  toCadreId: string,
  reason: string,
  by: string,
  options: { deactivate?: boolean } = {},
): Promise<HandOverResult> {
  const why = checked(reasonText, reason);
  if (fromCadreId === toCadreId) throw new DomainError('INVALID', '接替的干部不能是原干部本人');
  const from = await deps.prisma.cadre.findUnique({ where: { id: fromCadreId } });
  if (!from) throw new DomainError('NOT_FOUND', `没有编号为 ${fromCadreId} 的干部`);
  const to = await deps.prisma.cadre.findUnique({ where: { id: toCadreId } });
  if (!to) throw new DomainError('NOT_FOUND', `没有编号为 ${toCadreId} 的干部`);
  if (!to.active) throw new DomainError('INVALID', `干部 ${to.name} 已停用，不能接替`);

  const assignments = await deps.prisma.assignment.findMany({
    where: { cadreId: fromCadreId, to: null },
    include: { household: { select: { id: true, number: true, headName: true } } },
    orderBy: [{ householdId: 'asc' }, { role: 'asc' }],
  });
  const results: HandOverResult['results'] = [];
  for (const a of assignments) {
    const row = {
      householdId: a.household.id,
      number: a.household.number,
      headName: a.household.headName,
      role: a.role,
    };
    try {
      await reassignHousehold(deps, a.householdId, a.role, toCadreId, why, by);
      results.push({ ...row, ok: true, message: null });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({ ...row, ok: false, message: error.message });
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  const villages = await handOverVillages(deps.prisma, fromCadreId, toCadreId);
  let deactivated = false;
  if (options.deactivate && failed === 0) {
    await deps.prisma.cadre.update({ where: { id: fromCadreId }, data: { active: false } });
    deactivated = true;
  }
  return { fromCadreId, toCadreId, results, moved: results.length - failed, failed, deactivated, villages };
}

export interface DeclareShockResult {
  /** Households the batch workflow signals: a re-check visit opens at once, then extra visits. */
  signalled: string[];
  /** Ids no household has. */
  unknown: string[];
  /** Households not under a running supervision (never started, stably out, cancelled). */
  notSupervised: string[];
  /** `shock-…`: the one workflow that signals them in turn (absent when there is none to signal). */
  batchWorkflowId?: string;
}

const MAX_SHOCK_HOUSEHOLDS = 5000;

/**
 * 突发风险 (an epidemic, lost migrant work…) for a set of households: one server-side workflow
 * (`shockBatchWorkflow`) signals each household's workflow in turn; this only starts it.
 */
export async function declareShock(
  deps: ActionDeps,
  householdIds: readonly string[],
  reason: string,
  by: string,
): Promise<DeclareShockResult> {
  const why = checked(reasonText, reason);
  const ids = [...new Set(householdIds.map((id) => id.trim()).filter((id) => id !== ''))];
  if (ids.length === 0) throw new DomainError('INVALID', '请至少选择一户');
  if (ids.length > MAX_SHOCK_HOUSEHOLDS)
    throw new DomainError('INVALID', `一次最多对 ${MAX_SHOCK_HOUSEHOLDS} 户声明突发风险`);
  const households = await deps.prisma.household.findMany({
    where: { id: { in: ids } },
    select: { id: true, status: true, workflowId: true },
  });
  const byId = new Map(households.map((h) => [h.id, h]));
  const result: DeclareShockResult = { signalled: [], unknown: [], notSupervised: [] };
  const workflowIds: string[] = [];
  for (const id of ids) {
    const h = byId.get(id);
    if (!h) {
      result.unknown.push(id);
      continue;
    }
    if (!h.workflowId || h.status === 'STABLY_OUT' || h.status === 'CANCELLED') {
      result.notSupervised.push(id);
      continue;
    }
    workflowIds.push(h.workflowId);
    result.signalled.push(id);
  }
  if (workflowIds.length === 0) return result;
  const batchWorkflowId = `shock-${new Date().toISOString().replace(/[^0-9]/g, '')}-${randomUUID().slice(0, 8)}`;
  await deps.temporal.workflow.start(shockBatchWorkflow, {
    workflowId: batchWorkflowId,
    taskQueue: deps.taskQueue,
    args: [{ workflowIds, reason: why, by }],
  });
  return { ...result, batchWorkflowId };
}
