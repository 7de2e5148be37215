// Turning a completed visit into what the workflow keeps and decides on. Pure.
import {
  checkMeasureCaps,
  type ExitVisit,
  evaluateVisit,
  type Finding,
  failedGuarantees,
  incomeMeetsLine,
  type Policy,
  unresolvedLargeCosts,
  type VisitRecord,
} from '../../policy/index.js';
import type { HouseholdState, VisitSummary } from './definitions.js';

/** Visits kept in the state: enough for any stable period, bounded so continue-as-new stays small. */
export const MAX_VISITS_KEPT = 48;

export function summariseVisit(taskId: string, record: VisitRecord): VisitSummary {
  return {
    taskId,
    visitedAt: record.visitedAt,
    perCapitaIncomeYuan: record.perCapitaIncomeYuan,
    guaranteesSecured: failedGuarantees(record).length === 0,
    largeCosts: record.largeCosts.map((c) => ({ amountYuan: c.amountYuan, resolved: c.resolved })),
    measuresCount: record.measures.length,
  };
}

/** Judged under the policy in force now, so a new income line re-checks every past visit. */
export function exitVisits(policy: Policy, visits: readonly VisitSummary[]): ExitVisit[] {
  return visits.map((v) => ({
    visitedAt: v.visitedAt,
    measuresCount: v.measuresCount,
    guaranteesSecured: v.guaranteesSecured,
    compliant:
      v.guaranteesSecured &&
      incomeMeetsLine(policy, v) &&
      unresolvedLargeCosts(policy, { largeCosts: v.largeCosts.map((c) => ({ ...c, description: '' })) })
        .length === 0,
  }));
}

/**
 * The findings of this visit, plus one CAP_EXCEEDED per measure kind whose total over the whole
 * supervision now passes its cap (a single record over a cap is refused before it gets here).
 * `onlyKindsInVisit`: report a total only for a kind this visit received, so a cap passed once is
 * not reported again at every later visit.
 */
export function findingsOf(
  state: HouseholdState,
  record: VisitRecord,
  options = { onlyKindsInVisit: true },
): Finding[] {
  const ofVisit = evaluateVisit(state.policy, state.facts, record);
  const kindsInVisit = new Set(record.measures.map((m) => m.kind));
  const cumulative = checkMeasureCaps(state.policy, state.facts, [...state.measures, ...record.measures])
    .filter((v) => v.reason === 'PER_HOUSEHOLD' || v.reason === 'PER_PERSON')
    .filter((v) => !options.onlyKindsInVisit || kindsInVisit.has(v.kind))
    .map(
      (v): Finding => ({
        kind: 'CAP_EXCEEDED',
        item: v.kind,
        message: `累计${v.message}`,
        dueDays: state.policy.followUpDueDays.CAP_EXCEEDED,
      }),
    );
  return [...ofVisit, ...cumulative];
}
