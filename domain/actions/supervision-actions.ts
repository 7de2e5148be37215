// Steps of a household's supervision that people decide: the closing procedure's approvals, and
// pausing, resuming or ending supervision. Each is an update of the household's workflow, which
// refuses (in Chinese) what does not fit its current state.

import type { ClosingStep } from '../../policy/index.js';
import type { CancelReason } from '../../workflows/household/definitions.js';
import {
  cancelUpdate,
  decideClosingStepUpdate,
  pauseUpdate,
  resumeUpdate,
} from '../../workflows/household/definitions.js';
import { DomainError } from '../errors.js';
import {
  type ActionDeps,
  callWorkflow,
  type HouseholdActionResult,
  supervisedHousehold,
  toActionResult,
  workflowHandle,
} from './workflow-calls.js';

/** 民主评议 / 乡镇审核 / 县级审批 approved or not; during 公示, an objection (approved = false). */
export async function decideClosingStep(
  deps: ActionDeps,
  householdId: string,
  decision: { step: ClosingStep; approved: boolean; note: string },
  by: string,
): Promise<HouseholdActionResult> {
  const household = await supervisedHousehold(deps, householdId);
  const view = await callWorkflow(() =>
    workflowHandle(deps, household.workflowId).executeUpdate(decideClosingStepUpdate, {
      args: [{ ...decision, by }],
    }),
  );
  return toActionResult(view);
}

/** The workflow refused a change that does not fit the household's state: a conflict (409). */
async function inState<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await callWorkflow(work);
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'INVALID')
      throw new DomainError('CONFLICT', error.message);
    throw error;
  }
}

/**
 * Every clock of the household stops (hospital stay, temporary absence) until it is resumed.
 * Refused (409) when already paused, during the closing procedure, or after supervision ended.
 */
export async function pauseSupervision(
  deps: ActionDeps,
  householdId: string,
  reason: string,
  by: string,
): Promise<HouseholdActionResult> {
  const household = await supervisedHousehold(deps, householdId);
  const view = await inState(() =>
    workflowHandle(deps, household.workflowId).executeUpdate(pauseUpdate, { args: [{ reason, by }] }),
  );
  return toActionResult(view);
}

/** Refused (409) unless paused; a shock declared during the pause starts now. */
export async function resumeSupervision(
  deps: ActionDeps,
  householdId: string,
  by: string,
): Promise<HouseholdActionResult> {
  const household = await supervisedHousehold(deps, householdId);
  const view = await inState(() =>
    workflowHandle(deps, household.workflowId).executeUpdate(resumeUpdate, { args: [{ by }] }),
  );
  return toActionResult(view);
}

/** Supervision ends without an exit: moved away, deceased, or another reason stated. */
export async function cancelSupervision(
  deps: ActionDeps,
  householdId: string,
  cancellation: { reason: CancelReason; note: string },
  by: string,
): Promise<HouseholdActionResult> {
  const household = await supervisedHousehold(deps, householdId);
  const view = await inState(() =>
    workflowHandle(deps, household.workflowId).executeUpdate(cancelUpdate, {
      args: [{ ...cancellation, by }],
    }),
  );
  return toActionResult(view);
}
