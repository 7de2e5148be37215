// How the admin and cadre actions reach a household's workflow: the household is looked up in
// PostgreSQL first (unknown → NOT_FOUND, never started or ended → CONFLICT), then the workflow is
// updated or signalled; its refusals come back as DomainErrors with the workflow's Chinese message.
import {
  ApplicationFailure,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { ExitCriterion, HouseholdCategory } from '../../policy/index.js';
import { supervisionEnded } from '../../policy/vocabulary.js';
import type { CadreRef, HouseholdView, SupervisionStatus } from '../../workflows/household/definitions.js';
import { DomainError } from '../errors.js';
import type { HouseholdDeps } from '../households.js';

/** What every action needs: PostgreSQL, the Temporal client and the workflows' task queue. */
export type ActionDeps = HouseholdDeps;

/** The household's state as the workflow answered the update, trimmed to what a page shows. */
export interface HouseholdActionResult {
  householdId: string;
  workflowId: string;
  status: SupervisionStatus;
  category: HouseholdCategory;
  cadres: { assistance: CadreRef | null; leader: CadreRef | null };
  openTasks: Array<{
    id: string;
    kind: string;
    assigneeId: string;
    openedAt: string;
    dueAt: string;
    reason: string;
    rung: number;
    findingKind: string | null;
    findingItem: string | null;
  }>;
  nextDueAt: string | null;
  exitCriteria: ExitCriterion[];
}

export function toActionResult(view: HouseholdView): HouseholdActionResult {
  return {
    householdId: view.householdId,
    workflowId: view.workflowId,
    status: view.status,
    category: view.facts.category,
    cadres: { assistance: view.cadres.assistance ?? null, leader: view.cadres.leader ?? null },
    openTasks: view.openTasks.map((t) => ({
      id: t.id,
      kind: t.kind,
      assigneeId: t.assigneeId,
      openedAt: t.openedAt,
      dueAt: t.dueAt,
      reason: t.reason,
      rung: t.rung,
      findingKind: t.findingKind ?? null,
      findingItem: t.findingItem ?? null,
    })),
    nextDueAt: view.nextDueAt ?? null,
    exitCriteria: view.exitCriteria,
  };
}

export interface SupervisedHousehold {
  id: string;
  number: string;
  headName: string;
  status: string;
  workflowId: string;
}

/** The household, if it is under a running supervision workflow; DomainError otherwise. */
export async function supervisedHousehold(
  deps: ActionDeps,
  householdId: string,
): Promise<SupervisedHousehold> {
  const household = await deps.prisma.household.findUnique({
    where: { id: householdId },
    select: { id: true, number: true, headName: true, status: true, workflowId: true },
  });
  if (!household) throw new DomainError('NOT_FOUND', `没有编号为 ${householdId} 的农户`);
  if (!household.workflowId) throw new DomainError('CONFLICT', `户 ${household.number} 尚未启动督战流程`);
  if (supervisionEnded(household.status))
    throw new DomainError('CONFLICT', `户 ${household.number} 已结束挂牌督战`);
  return { ...household, workflowId: household.workflowId };
}

export function workflowHandle(deps: ActionDeps, workflowId: string): WorkflowHandle {
  return deps.temporal.workflow.getHandle(workflowId);
}

/**
 * The workflow's own words for a refused update: the deepest ApplicationFailure's message (the
 * validator's error, or an activity's non-retryable failure), else the outermost message.
 */
export function refusalMessage(error: Error): string {
  let message: string | undefined;
  for (let e: unknown = error.cause; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.message) message = e.message;
  }
  return message ?? (error.cause instanceof Error ? error.cause.message : error.message);
}

/** Runs a call on a household's workflow, turning Temporal's refusals into DomainErrors. */
export async function callWorkflow<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new DomainError('INVALID', refusalMessage(error));
    if (error instanceof WorkflowNotFoundError)
      throw new DomainError('NOT_FOUND', '该户的督战流程不存在或已经结束');
    throw error;
  }
}

/**
 * The one way an action changes a supervised household: find it (NOT_FOUND / CONFLICT when not under
 * a running workflow), run the workflow update, answer the trimmed view. The workflow's refusal is
 * INVALID (422) by default; `refusal: 'CONFLICT'` for changes refused because of the household's
 * state (pause, resume, end: 409).
 */
export async function updateHouseholdWorkflow<Arg>(
  deps: ActionDeps,
  householdId: string,
  update: UpdateDefinition<HouseholdView, [Arg]>,
  arg: Arg,
  options: { refusal?: 'INVALID' | 'CONFLICT' } = {},
): Promise<HouseholdActionResult> {
  const household = await supervisedHousehold(deps, householdId);
  const run = () => workflowHandle(deps, household.workflowId).executeUpdate(update, { args: [arg] });
  const view = await callWorkflow(run).catch((error: unknown) => {
    if (options.refusal === 'CONFLICT' && error instanceof DomainError && error.kind === 'INVALID')
      throw new DomainError('CONFLICT', error.message);
    throw error;
  });
  return toActionResult(view);
}
