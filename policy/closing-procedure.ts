// Who must act on each step of the closing procedure (风险消除), and when a step is overdue.
// Pure: shared by the household workflow (its timers) and the activity that finds the people.

import type { ClosingStep } from './household-types.js';
import type { Policy } from './policy-schema.js';
import { addDays, addHours } from './time-arithmetic.js';

/**
 * A county approver (县级审批) is a Cadre row of this rank. It is kept apart from CADRE_RANKS: a
 * county approver is not on the township's ladder, is never paired with a household and never
 * receives an escalated visit.
 */
export const COUNTY_APPROVER_RANK = 'COUNTY_APPROVER' as const;
export const COUNTY_APPROVER_LABEL = '县级审批人';

/** The steps a person decides; the public notice (公示) ends on its own timer. */
export type DecidedClosingStep = Exclude<ClosingStep, 'PUBLIC_NOTICE'>;
export const isDecidedClosingStep = (step: ClosingStep): step is DecidedClosingStep =>
  step !== 'PUBLIC_NOTICE';

/**
 * The holders of a rung: the household's village's own 包村领导 or 分管负责人, the township's 乡长 or
 * 党委书记, or every active county approver.
 */
export type ClosingApproverRank =
  | 'VILLAGE_LEADER'
  | 'LEADER_IN_CHARGE'
  | 'TOWNSHIP_HEAD'
  | 'PARTY_SECRETARY'
  | typeof COUNTY_APPROVER_RANK;

/**
 * For each decided step, who is told: the first rung when the step starts (民主评议 also the
 * household's own two cadres), then one rung more at each overdue notice. The 乡镇审核 is the
 * village's 分管负责人's, then the 乡长's and the 党委书记's; the county step goes to the county
 * approvers, and when it lingers the 党委书记 is told to chase it.
 */
export const CLOSING_STEP_APPROVERS: Record<DecidedClosingStep, readonly ClosingApproverRank[]> = {
  VILLAGE_REVIEW: ['VILLAGE_LEADER', 'LEADER_IN_CHARGE', 'TOWNSHIP_HEAD', 'PARTY_SECRETARY'],
  TOWNSHIP_REVIEW: ['LEADER_IN_CHARGE', 'TOWNSHIP_HEAD', 'PARTY_SECRETARY'],
  COUNTY_APPROVAL: [COUNTY_APPROVER_RANK, 'PARTY_SECRETARY'],
};

/** The deadline of a decided step started at `startedAt`; undefined for a policy without closing deadlines. */
export function closingStepDeadline(
  policy: Policy,
  step: ClosingStep,
  startedAt: string,
): string | undefined {
  if (!policy.closingOverdue || !isDecidedClosingStep(step)) return undefined;
  return addDays(startedAt, policy.closingProcedureDays[step]);
}

/**
 * When the next overdue notice of a step is due, after `noticesSent` of them: at the deadline, then
 * every grace period, one per rung of the step's approvers; undefined when every rung has been told.
 */
export function nextClosingOverdueAt(
  policy: Policy,
  step: ClosingStep,
  startedAt: string,
  noticesSent: number,
): string | undefined {
  const deadline = closingStepDeadline(policy, step, startedAt);
  if (!deadline || !policy.closingOverdue || !isDecidedClosingStep(step)) return undefined;
  if (noticesSent >= CLOSING_STEP_APPROVERS[step].length) return undefined;
  return addHours(deadline, noticesSent * policy.closingOverdue.graceHours);
}
