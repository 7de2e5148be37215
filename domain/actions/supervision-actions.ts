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
import { type ActionDeps, type HouseholdActionResult, updateHouseholdWorkflow } from './workflow-calls.js';

/** 民主评议 / 乡镇审核 / 县级审批 approved or not; during 公示, an objection (approved = false). */
export function decideClosingStep(
  deps: ActionDeps,
  householdId: string,
  decision: { step: ClosingStep; approved: boolean; note: string },
  by: string,
): Promise<HouseholdActionResult> {
  return updateHouseholdWorkflow(deps, householdId, decideClosingStepUpdate, { ...decision, by });
}

/**
 * Every clock of the household stops (hospital stay, temporary absence) until it is resumed.
 * Refused (409) when already paused, during the closing procedure, or after supervision ended.
 */
export function pauseSupervision(
  deps: ActionDeps,
  householdId: string,
  reason: string,
  by: string,
): Promise<HouseholdActionResult> {
  return updateHouseholdWorkflow(deps, householdId, pauseUpdate, { reason, by }, { refusal: 'CONFLICT' });
}

/** Refused (409) unless paused; a shock declared during the pause starts now. */
export function resumeSupervision(
  deps: ActionDeps,
  householdId: string,
  by: string,
): Promise<HouseholdActionResult> {
  return updateHouseholdWorkflow(deps, householdId, resumeUpdate, { by }, { refusal: 'CONFLICT' });
}

/** Supervision ends without an exit: moved away, deceased, or another reason stated. */
export function cancelSupervision(
  deps: ActionDeps,
  householdId: string,
  cancellation: { reason: CancelReason; note: string },
  by: string,
): Promise<HouseholdActionResult> {
  return updateHouseholdWorkflow(
    deps,
    householdId,
    cancelUpdate,
    { ...cancellation, by },
    { refusal: 'CONFLICT' },
  );
}
