import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Start arguments of `household-<id>`. */
export interface HouseholdWorkflowInput {
  householdId: string;
}

export interface HouseholdState {
  householdId: string;
  status: 'SUPERVISED' | 'CANCELLED';
  cancelReason?: string;
}

export const cancelSupervisionSignal = defineSignal<[{ reason: string; by: string }]>('cancelSupervision');
export const stateQuery = defineQuery<HouseholdState>('state');

export const householdWorkflowId = (householdId: string) => `household-${householdId}`;
