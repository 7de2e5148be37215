// The problems a visit reveals (发现问题), each of which opens one follow-up task due after the
// policy's delay for its kind.
import { type FindingKind, GUARANTEE_ITEM_LABELS, type HouseholdFacts } from './household-types.js';
import { checkMeasureCaps } from './measure-caps.js';
import { formatYuan } from './money.js';
import type { Policy } from './policy-schema.js';
import { failedGuarantees, incomeMeetsLine, unresolvedLargeCosts } from './visit-compliance.js';
import type { VisitRecord } from './visit-record.js';

export interface Finding {
  kind: FindingKind;
  /**
   * What failed, stable enough to tell whether a follow-up for it is already open: a guarantee
   * item ('water'), 'income', a measure kind ('INDUSTRY_SUBSIDY'), or a large cost's description.
   */
  item: string;
  message: string;
  /** The follow-up is due this many days after the visit. */
  dueDays: number;
}

/**
 * One finding per failed guarantee item, for income under the line, per cap exceeded, and per
 * unresolved large cost at or above the threshold; in that order.
 *
 * CAP_EXCEEDED: validateVisitRecord refuses an over-cap amount, so a record that went through it
 * never yields one. It arises only for a record that bypassed validation (an imported ledger, a
 * record accepted under an earlier policy and re-evaluated under a stricter one); the record is
 * kept and the money question becomes a follow-up instead.
 */
export function evaluateVisit(policy: Policy, household: HouseholdFacts, record: VisitRecord): Finding[] {
  const findings: Finding[] = [];
  const dueDays = policy.followUpDueDays;

  for (const item of failedGuarantees(record)) {
    const note = record.guarantees[item].note?.trim();
    findings.push({
      kind: 'GUARANTEE_FAILED',
      item,
      message: `${GUARANTEE_ITEM_LABELS[item]}未达标${note ? `：${note}` : ''}，请在 ${dueDays.GUARANTEE_FAILED} 天内落实帮扶`,
      dueDays: dueDays.GUARANTEE_FAILED,
    });
  }

  const income = incomeBelowLine(policy, record);
  if (income) findings.push(income);

  for (const violation of checkMeasureCaps(policy, household, record.measures)) {
    findings.push({
      kind: 'CAP_EXCEEDED',
      item: violation.kind,
      message: `${violation.message}，请在 ${dueDays.CAP_EXCEEDED} 天内核实纠正`,
      dueDays: dueDays.CAP_EXCEEDED,
    });
  }

  for (const cost of unresolvedLargeCosts(policy, record)) {
    findings.push({
      kind: 'LARGE_COST',
      item: cost.description,
      message: `大额刚性支出未解决：${cost.description}（${formatYuan(cost.amountYuan)}），请在 ${dueDays.LARGE_COST} 天内落实救助或帮扶`,
      dueDays: dueDays.LARGE_COST,
    });
  }

  return findings;
}

/**
 * INCOME_BELOW_LINE for a per-capita income under the policy's line, else undefined: for a visit,
 * and for the latest visit re-judged when a policy raises the line.
 */
export function incomeBelowLine(policy: Policy, visit: { perCapitaIncomeYuan: number }): Finding | undefined {
  if (incomeMeetsLine(policy, visit)) return undefined;
  const line = policy.incomeLineYuanPerPersonYear;
  const dueDays = policy.followUpDueDays.INCOME_BELOW_LINE;
  return {
    kind: 'INCOME_BELOW_LINE',
    item: 'income',
    message: `人均纯收入 ${formatYuan(visit.perCapitaIncomeYuan)}，低于每人每年 ${formatYuan(line)}的收入线，请在 ${dueDays} 天内落实增收措施`,
    dueDays,
  };
}
