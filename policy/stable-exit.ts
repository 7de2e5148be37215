// 稳定脱贫 / 风险消除: whether a household may start the closing procedure, criterion by criterion
// so a cadre sees what is still missing. Pure: the caller passes `now` (workflow time).
import { LABOUR_CLASS_DESCRIPTIONS, LABOUR_CLASS_LABELS, type LabourClass } from './household-types.js';
import type { Policy } from './policy-schema.js';
import { parseInstant, wholeMonthsBetween } from './time-arithmetic.js';
import type { ExitVisit } from './visit-compliance.js';

export const EXIT_CRITERION_KEYS = [
  'STABLE_COMPLIANT_VISITS',
  'MONITORED_LONG_ENOUGH',
  'MEASURES_RECEIVED',
  'GUARANTEES_SECURED',
  'NO_OPEN_FOLLOW_UPS',
  'HAS_LABOUR',
] as const;
export type ExitCriterionKey = (typeof EXIT_CRITERION_KEYS)[number];

export const EXIT_CRITERION_LABELS: Record<ExitCriterionKey, string> = {
  STABLE_COMPLIANT_VISITS: '收入稳定超过收入线，两不愁三保障持续达标',
  MONITORED_LONG_ENOUGH: '监测帮扶时间达到要求',
  MEASURES_RECEIVED: '落实了帮扶措施',
  GUARANTEES_SECURED: '最近一次走访三保障和饮水安全有保障',
  NO_OPEN_FOLLOW_UPS: '没有未整改完成的问题',
  HAS_LABOUR: '家庭有劳动力（无劳动力户继续兜底，不退出）',
};

export interface ExitCriterion {
  key: ExitCriterionKey;
  label: string;
  met: boolean;
  /** What was found, in Chinese, e.g. '连续达标走访 5 次（要求至少 6 次）…'. */
  detail: string;
}

export interface StableExitInput {
  /** When the household was put under supervision (纳入监测). */
  admittedAt: string;
  now: string;
  /** Every visit since admission, in any order; visits after `now` are ignored. */
  visits: readonly ExitVisit[];
  openFollowUps: number;
  hasLabour: boolean;
  labourClass: LabourClass;
}

export interface StableExitAssessment {
  eligible: boolean;
  criteria: ExitCriterion[];
}

export function assessStableExit(policy: Policy, input: StableExitInput): StableExitAssessment {
  const nowMs = parseInstant(input.now);
  const visits = input.visits
    .map((visit) => ({ visit, atMs: parseInstant(visit.visitedAt) }))
    .filter(({ atMs }) => atMs <= nowMs)
    .sort((a, b) => a.atMs - b.atMs)
    .map(({ visit }) => visit);

  const criteria: ExitCriterion[] = [
    stableCompliantVisits(policy, visits),
    monitoredLongEnough(policy, input),
    measuresReceived(policy, visits),
    guaranteesSecuredAtLastVisit(visits),
    noOpenFollowUps(input.openFollowUps),
    hasLabour(policy, input),
  ];
  return { eligible: criteria.every((criterion) => criterion.met), criteria };
}

function criterion(key: ExitCriterionKey, met: boolean, detail: string): ExitCriterion {
  return { key, label: EXIT_CRITERION_LABELS[key], met, detail };
}

/**
 * The current run of consecutive compliant visits (ending at the latest one) must be long enough
 * in number AND in time. Time is measured from the run's first visit to its last: only what a
 * visit verified counts, so with monthly visits six whole months take seven or eight visits.
 */
function stableCompliantVisits(policy: Policy, sortedVisits: readonly ExitVisit[]): ExitCriterion {
  const { minCompliantVisits, minStableMonths } = policy.stableExit;
  const run: ExitVisit[] = [];
  for (let i = sortedVisits.length - 1; i >= 0; i -= 1) {
    const visit = sortedVisits[i];
    if (!visit?.compliant) {
      break;
    }
    run.unshift(visit);
  }
  const first = run[0];
  const last = run[run.length - 1];
  const spanMonths = first && last ? wholeMonthsBetween(first.visitedAt, last.visitedAt) : 0;
  const met = run.length >= minCompliantVisits && spanMonths >= minStableMonths;
  return criterion(
    'STABLE_COMPLIANT_VISITS',
    met,
    `最近连续达标走访 ${run.length} 次（要求至少 ${minCompliantVisits} 次），` +
      `持续 ${spanMonths} 个月（要求至少 ${minStableMonths} 个月）`,
  );
}

function monitoredLongEnough(policy: Policy, input: StableExitInput): ExitCriterion {
  const months = wholeMonthsBetween(input.admittedAt, input.now);
  const required = policy.stableExit.minMonitoredMonths;
  return criterion(
    'MONITORED_LONG_ENOUGH',
    months >= required,
    `已监测 ${months} 个月（要求至少 ${required} 个月）`,
  );
}

function measuresReceived(policy: Policy, visits: readonly ExitVisit[]): ExitCriterion {
  const count = visits.reduce((total, visit) => total + visit.measuresCount, 0);
  const required = policy.stableExit.minMeasures;
  return criterion(
    'MEASURES_RECEIVED',
    count >= required,
    `走访记录的帮扶措施共 ${count} 项（要求至少 ${required} 项）`,
  );
}

function guaranteesSecuredAtLastVisit(sortedVisits: readonly ExitVisit[]): ExitCriterion {
  const last = sortedVisits[sortedVisits.length - 1];
  if (!last) {
    return criterion('GUARANTEES_SECURED', false, '还没有走访记录');
  }
  const secured = last.guaranteesSecured ?? last.compliant;
  return criterion(
    'GUARANTEES_SECURED',
    secured,
    secured ? `${last.visitedAt} 走访时各项保障均达标` : `${last.visitedAt} 走访时有保障项目未达标`,
  );
}

function noOpenFollowUps(openFollowUps: number): ExitCriterion {
  return criterion(
    'NO_OPEN_FOLLOW_UPS',
    openFollowUps === 0,
    openFollowUps === 0 ? '没有未完成的整改任务' : `还有 ${openFollowUps} 项整改任务未完成`,
  );
}

function hasLabour(policy: Policy, input: StableExitInput): ExitCriterion {
  const classLabel = `${LABOUR_CLASS_LABELS[input.labourClass]}（${LABOUR_CLASS_DESCRIPTIONS[input.labourClass]}）`;
  if (input.hasLabour) {
    return criterion('HAS_LABOUR', true, `${classLabel}，家庭有劳动力`);
  }
  if (!policy.stableExit.neverCloseWithoutLabour) {
    return criterion('HAS_LABOUR', true, `${classLabel}，家庭无劳动力，但现行策略允许无劳动力户退出`);
  }
  return criterion('HAS_LABOUR', false, `${classLabel}，家庭无劳动力，继续兜底保障，不退出监测`);
}
