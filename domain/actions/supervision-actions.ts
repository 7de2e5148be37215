// Steps of a household's supervision that people decide: the closing procedure's approvals, and
// pausing, resuming or ending supervision. Each goes to the household's workflow, which refuses
// (in Chinese) what does not fit its current state.

import type { ClosingStep } from '../../policy/index.js';
import type { CancelReason } from '../../workflows/household/definitions.js';
import {
  cancelSupervisionSignal,
  decideClosingStepUpdate,
  pauseSignal,
  resumeSignal,
} from '../../workflows/household/definitions.js';
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

/** Every clock of the household stops (hospital stay, temporary absence) until it is resumed. */
export async function pauseSupervision(deps: ActionDeps, householdId: string, reason: string, by: string) {
  const household = await supervisedHousehold(deps, householdId);
  await callWorkflow(() => workflowHandle(deps, household.workflowId).signal(pauseSignal, { reason, by }));
  return { householdId, signalled: 'pause' as const };
}

export async function resumeSupervision(deps: ActionDeps, householdId: string, by: string) {
  const household = await supervisedHousehold(deps, householdId);
  await callWorkflow(() => workflowHandle(deps, household.workflowId).signal(resumeSignal, { by }));
  return { householdId, signalled: 'resume' as const };
}

/** Supervision ends without an exit: moved away, deceased, or another reason stated. */
export async function cancelSupervision(
  deps: ActionDeps,
  householdId: string,
  cancellation: { reason: CancelReason; note: string },
  by: string,
) {
  const household = await supervisedHousehold(deps, householdId);
  await callWorkflow(() =>
    workflowHandle(deps, household.workflowId).signal(cancelSupervisionSignal, { ...cancellation, by }),
  );
  return { householdId, signalled: 'cancel' as const };
}
