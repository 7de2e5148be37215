import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import {
  cancelSupervisionSignal,
  type HouseholdState,
  type HouseholdWorkflowInput,
  stateQuery,
} from './definitions.js';

const { recordAudit } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** One key household under 挂牌督战, from admission until its supervision ends. */
export async function householdWorkflow(input: HouseholdWorkflowInput): Promise<HouseholdState> {
  const { workflowId } = workflowInfo();
  const state: HouseholdState = { householdId: input.householdId, status: 'SUPERVISED' };

  setHandler(stateQuery, () => state);
  setHandler(cancelSupervisionSignal, ({ reason }) => {
    state.status = 'CANCELLED';
    state.cancelReason = reason;
  });

  await recordAudit({
    householdId: input.householdId,
    workflowId,
    actor: 'workflow',
    action: 'SUPERVISION_STARTED',
    idempotencyKey: `${workflowId}/started`,
  });

  await condition(() => state.status === 'CANCELLED');
  await recordAudit({
    householdId: input.householdId,
    workflowId,
    actor: 'workflow',
    action: 'SUPERVISION_CANCELLED',
    detail: { reason: state.cancelReason ?? '' },
    idempotencyKey: `${workflowId}/cancelled`,
  });
  return state;
}
