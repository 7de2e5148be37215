// Whether a visit shows the household meeting 一超过、两不愁、三保障 and 饮水安全. Computed from
// the record with the policy in force, never stored alone: when the income line changes, the
// same records are re-judged against the new line.
import { GUARANTEE_ITEMS, type GuaranteeItem } from './household-types.js';
import type { Policy } from './policy-schema.js';
import type { LargeCost, VisitRecord } from './visit-record.js';

type GuaranteesPart = Pick<VisitRecord, 'guarantees'>;

export function failedGuarantees(record: GuaranteesPart): GuaranteeItem[] {
  return GUARANTEE_ITEMS.filter((item) => !record.guarantees[item].ok);
}

/** The line is a floor the household must reach: exactly the line is enough (“4000元以上”). */
export function incomeMeetsLine(policy: Policy, record: Pick<VisitRecord, 'perCapitaIncomeYuan'>): boolean {
  return record.perCapitaIncomeYuan >= policy.incomeLineYuanPerPersonYear;
}

/** Unresolved costs at or above the policy's threshold; smaller ones are everyday expenses. */
export function unresolvedLargeCosts(policy: Policy, record: Pick<VisitRecord, 'largeCosts'>): LargeCost[] {
  return record.largeCosts.filter(
    (cost) => !cost.resolved && cost.amountYuan >= policy.largeCostThresholdYuan,
  );
}

/** All six guarantees ok, income at or above the line, no unresolved large cost. */
export function isCompliantVisit(policy: Policy, record: VisitRecord): boolean {
  return (
    failedGuarantees(record).length === 0 &&
    incomeMeetsLine(policy, record) &&
    unresolvedLargeCosts(policy, record).length === 0
  );
}

/** One visit as the stable-exit assessment sees it. */
export interface ExitVisit {
  visitedAt: string;
  compliant: boolean;
  measuresCount: number;
  /**
   * 两不愁三保障 and 饮水安全 all ok at this visit. Optional for callers that only know
   * `compliant`: a compliant visit has them all, so it then defaults to `compliant`.
   */
  guaranteesSecured?: boolean;
}

export function summariseVisitForExit(policy: Policy, record: VisitRecord): ExitVisit {
  return {
    visitedAt: record.visitedAt,
    compliant: isCompliantVisit(policy, record),
    measuresCount: record.measures.length,
    guaranteesSecured: failedGuarantees(record).length === 0,
  };
}
