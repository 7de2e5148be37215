// Start arguments, state, updates and query of `identification-<case id>` (识别纳入), next to the
// workflow that handles them (workflow.ts). Imported by the server and tests as well.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  DecidedIdentificationStep,
  HouseholdCategory,
  HouseholdProfile,
  IdentificationRules,
  IdentificationStatus,
  IdentificationStep,
  Policy,
} from '../../policy/rules.js';
import type { OpenTask } from '../household/definitions.js';

export const identificationWorkflowId = (caseId: string) => `identification-${caseId}`;

export interface IdentificationWorkflowInput {
  caseId: string;
  /** The household the case is about (a row of the ledger, REGISTERED until supervision starts). */
  householdId: string;
  /** The policy current when the case was raised: its `identification` section sets the deadlines. */
  policy: Policy;
  /** The township's time zone: working days are counted on its calendar. */
  timeZone: string;
  /** The cadre who raised it (a visit's 发现新的风险户, the household page), told of a refusal. */
  raisedByCadreId?: string;
}

/** What the home check found (防止返贫动态监测排查表), with the household's signed consent. */
export interface HomeCheckFindings {
  category: HouseholdCategory;
  profile: HouseholdProfile;
  /** The household signed its consent to the check; without it the check cannot be approved. */
  consentSigned: boolean;
  /** The 帮扶责任人 the household's supervision will keep; default: whoever did the check. */
  assistanceCadreId?: string;
}

export interface StepDecisionArgs {
  step: DecidedIdentificationStep;
  approved: boolean;
  /** Required when refused (不予纳入): told to whoever raised the case. */
  reason?: string;
  /** The user who decided (audit). */
  by: string;
  /** The cadre the decision is recorded for on the task; default the step's assignee. */
  byCadreId?: string;
  /** Required to approve the home check. */
  homeCheck?: HomeCheckFindings;
}

export interface ObjectionArgs {
  /** What was objected, as recorded by the township (the objector's name stays on paper). */
  text: string;
  by: string;
}

export interface StepProgress {
  step: IdentificationStep;
  startedAt: string;
  dueAt: string;
  taskId?: string;
  assigneeId?: string;
  endedAt?: string;
  decision?: 'APPROVED' | 'REFUSED' | 'OBJECTED' | 'ENDED';
  by?: string;
  note?: string;
}

export interface IdentificationState {
  caseId: string;
  householdId: string;
  workflowId: string;
  /** Ladder, reminders (household rules) for the steps' tasks. */
  policy: Policy;
  rules: IdentificationRules;
  timeZone: string;
  raisedAt: string;
  raisedByCadreId?: string;
  /** The whole procedure's limit. */
  limitAt: string;
  status: IdentificationStatus;
  step: IdentificationStep;
  steps: StepProgress[];
  /** The current step's task (one at a time), as the shared ladder reads it. */
  openTasks: OpenTask[];
  assistanceCadreId?: string;
  outcomeReason?: string;
  seq: number;
}

export const decideIdentificationStepUpdate = defineUpdate<IdentificationState, [StepDecisionArgs]>(
  'decideIdentificationStep',
);
export const recordObjectionUpdate = defineUpdate<IdentificationState, [ObjectionArgs]>('recordObjection');
export const identificationStateQuery = defineQuery<IdentificationState>('identificationState');
