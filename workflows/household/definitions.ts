// Start arguments, state, and the signals, updates and queries of `household-<id>`, next to the
// workflow that handles them (workflow.ts). Imported by the server and tests as well.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ClosingStep,
  ExitCriterion,
  HouseholdCategory,
  HouseholdFacts,
  HouseholdProfile,
  MeasureReceived,
  Policy,
  VisitRecordInput,
} from '../../policy/rules.js';

export const householdWorkflowId = (householdId: string) => `household-${householdId}`;

export interface HouseholdWorkflowInput {
  householdId: string;
  /** The whole policy, kept for the workflow's life; changed only by the `upgradePolicy` update. */
  policy: Policy;
  /** Events after which the run continues as new (tests lower it); default 10,000. */
  historyLimit?: number;
  /** State handed over by continue-as-new; absent on admission. */
  carried?: HouseholdState;
}

export type { TaskKind } from '../../policy/vocabulary.js';

import type { TaskKind } from '../../policy/vocabulary.js';
export type CadreRole = 'ASSISTANCE' | 'LEADER';

export interface CadreRef {
  id: string;
  name: string;
}

export interface OpenTask {
  id: string;
  kind: TaskKind;
  assigneeId: string;
  openedAt: string;
  dueAt: string;
  reason: string;
  findingKind?: string;
  findingItem?: string;
  reminded: boolean;
  /** Highest rung reached: 0 = not overdue yet; n = the ladder's n-th rung has been notified. */
  rung: number;
}

export interface VisitSummary {
  taskId: string;
  visitedAt: string;
  perCapitaIncomeYuan: number;
  guaranteesSecured: boolean;
  largeCosts: Array<{ amountYuan: number; resolved: boolean }>;
  measuresCount: number;
}

export type SupervisionStatus =
  | 'ADMITTING'
  | 'SUPERVISED'
  | 'PAUSED'
  | 'CLOSING'
  | 'STABLY_OUT'
  | 'CANCELLED';

export interface ClosingProgress {
  step: ClosingStep;
  stepStartedAt: string;
  steps: Array<{ step: ClosingStep; startedAt: string; completedAt: string; by: string; note: string }>;
  criteria: ExitCriterion[];
  /**
   * The step's approvers are told when it starts and, under a policy with closing deadlines, when
   * it is overdue (patch 'closing-step-deadlines'); absent for a closing started before that.
   */
  notices?: boolean;
  /** Overdue notices sent for the current step (rung by rung up its approvers). */
  overdueNotices?: number;
}

export interface HouseholdState {
  householdId: string;
  workflowId: string;
  /** First run of this continue-as-new chain: with `seq`, it makes task ids unique across re-admissions. */
  chainId: string;
  policy: Policy;
  facts: HouseholdFacts;
  status: SupervisionStatus;
  admittedAt: string;
  cadres: { assistance?: CadreRef; leader?: CadreRef };
  /** The household's village (for the `Village` search attribute); absent in older runs until loaded. */
  village?: { id: string; name: string };
  seq: number;
  openTasks: OpenTask[];
  /** When the next scheduled visit task opens. */
  nextVisitAt: string;
  /** The visits so far (bounded), kept raw so a changed income line re-judges them all. */
  visits: VisitSummary[];
  /** Every visit recorded (the list above is bounded); absent in runs from before it was kept. */
  visitCount?: number;
  /** Every measure received so far, with the visit's date, for caps counted over time. */
  measures: Array<MeasureReceived & { visitedAt?: string }>;
  shockUntil?: string;
  /** A shock declared while paused, applied when supervision resumes. */
  pendingShock?: { reason: string; by: string };
  pausedAt?: string;
  closing?: ClosingProgress;
  exitCriteria: ExitCriterion[];
  cancelReason?: string;
}

/** What the query and every update answer: the state, plus what is due next. */
export interface HouseholdView extends HouseholdState {
  nextDueAt: string | undefined;
  highestRung: number;
}

export interface CompleteTaskArgs {
  taskId: string;
  byCadreId: string;
  /** Required for VISIT and HANDOVER tasks; a FOLLOW_UP may carry one or just a note. */
  record?: VisitRecordInput;
  note?: string;
}

export interface ReassignCadreArgs {
  role: CadreRole;
  cadreId: string;
  by: string;
  reason: string;
}

export interface ClosingDecisionArgs {
  step: ClosingStep;
  approved: boolean;
  by: string;
  note: string;
}

/** The register's facts changed (members, labour class, causes, needs, 一户一策, phone). */
export interface UpdateFactsArgs {
  profile: HouseholdProfile;
  by: string;
  /** Why (shown on the household's timeline). */
  reason?: string;
}

export type CancelReason = 'MOVED_AWAY' | 'DECEASED' | 'OTHER';

export const completeTaskUpdate = defineUpdate<HouseholdView, [CompleteTaskArgs]>('completeTask');
export const reassignCadreUpdate = defineUpdate<HouseholdView, [ReassignCadreArgs]>('reassignCadre');
export const changeCategoryUpdate = defineUpdate<
  HouseholdView,
  [{ category: HouseholdCategory; by: string }]
>('changeCategory');
export const upgradePolicyUpdate = defineUpdate<HouseholdView, [{ policy: Policy; by: string }]>(
  'upgradePolicy',
);
export const decideClosingStepUpdate = defineUpdate<HouseholdView, [ClosingDecisionArgs]>(
  'decideClosingStep',
);

export const updateFactsUpdate = defineUpdate<HouseholdView, [UpdateFactsArgs]>('updateFacts');

/** Pause, resume and cancel answer with the new state, or refuse a wrong state in Chinese. */
export const pauseUpdate = defineUpdate<HouseholdView, [{ reason: string; by: string }]>('pauseSupervision');
export const resumeUpdate = defineUpdate<HouseholdView, [{ by: string }]>('resumeSupervision');
export const cancelUpdate = defineUpdate<HouseholdView, [{ reason: CancelReason; note: string; by: string }]>(
  'cancel',
);

export const declareShockSignal = defineSignal<[{ reason: string; by: string }]>('declareShock');
// The signals below were the first form of pause, resume and cancel; they stay handled for runs
// (and their recorded histories) that received them. New callers use the updates above.
export const pauseSignal = defineSignal<[{ reason: string; by: string }]>('pause');
export const resumeSignal = defineSignal<[{ by: string }]>('resume');
export const cancelSupervisionSignal =
  defineSignal<[{ reason: CancelReason; note: string; by: string }]>('cancelSupervision');

export const stateQuery = defineQuery<HouseholdView>('state');
