// 识别纳入: the steps that bring a household under supervision as a monitored household, who acts on
// each, and their deadlines. Pure: shared by the identification workflow (its timers), the
// activities that find the people, the domain code and the pages.
import type { Policy } from './policy-schema.js';
import { addTownshipDays, type DayCount } from './township-calendar.js';

/** The steps in order; the public notice (公示) ends on its own timer, every other step is decided by a person. */
export const IDENTIFICATION_STEPS = [
  'HOME_CHECK',
  'DATA_CHECK',
  'VILLAGE_REVIEW',
  'PUBLIC_NOTICE',
  'TOWNSHIP_REVIEW',
  'COUNTY_APPROVAL',
] as const;
export type IdentificationStep = (typeof IDENTIFICATION_STEPS)[number];
export type DecidedIdentificationStep = Exclude<IdentificationStep, 'PUBLIC_NOTICE'>;

export const IDENTIFICATION_STEP_LABELS: Record<IdentificationStep, string> = {
  HOME_CHECK: '入户核实',
  DATA_CHECK: '信息比对',
  VILLAGE_REVIEW: '村级民主评议',
  PUBLIC_NOTICE: '公示',
  TOWNSHIP_REVIEW: '乡镇审核',
  COUNTY_APPROVAL: '县级审批',
};

/** How a case was found (识别来源). */
export const IDENTIFICATION_SOURCES = ['APPLICATION', 'CADRE_VISIT', 'DEPARTMENT_WARNING', 'ADMIN'] as const;
export type IdentificationSource = (typeof IDENTIFICATION_SOURCES)[number];
export const IDENTIFICATION_SOURCE_LABELS: Record<IdentificationSource, string> = {
  APPLICATION: '农户自主申报',
  CADRE_VISIT: '干部排查',
  DEPARTMENT_WARNING: '部门筛查预警',
  ADMIN: '管理员登记',
};

/** OPEN while a step runs; RECOGNISED once the county approved (纳入监测); REFUSED: 不予纳入. */
export const IDENTIFICATION_STATUSES = ['OPEN', 'RECOGNISED', 'REFUSED'] as const;
export type IdentificationStatus = (typeof IDENTIFICATION_STATUSES)[number];
export const IDENTIFICATION_STATUS_LABELS: Record<IdentificationStatus, string> = {
  OPEN: '识别中',
  RECOGNISED: '已纳入监测',
  REFUSED: '不予纳入',
};

/**
 * Whose task each decided step is: the village's 帮扶责任人 checks the home; the township's 分管负责人
 * receives the county's data check and reviews for the township; the village's 包村领导 runs the
 * 民主评议; a county approver decides the 县级审批.
 */
export const IDENTIFICATION_STEP_ASSIGNEE = {
  HOME_CHECK: 'ASSISTANCE_CADRE',
  DATA_CHECK: 'LEADER_IN_CHARGE',
  VILLAGE_REVIEW: 'VILLAGE_LEADER',
  TOWNSHIP_REVIEW: 'LEADER_IN_CHARGE',
  COUNTY_APPROVAL: 'COUNTY_APPROVER',
} as const satisfies Record<DecidedIdentificationStep, string>;

export const isDecidedIdentificationStep = (step: IdentificationStep): step is DecidedIdentificationStep =>
  step !== 'PUBLIC_NOTICE';

/** The step after `step`, or undefined after the county's approval. */
export function nextIdentificationStep(step: IdentificationStep): IdentificationStep | undefined {
  return IDENTIFICATION_STEPS[IDENTIFICATION_STEPS.indexOf(step) + 1];
}

export type IdentificationRules = NonNullable<Policy['identification']>;

/**
 * The rules 2026.3 introduced (published county rules: first clue → recognition within 15 days,
 * 公示 included and at least 5 days; the home check within a few days; calendar days). A policy from
 * before 2026.3 has none, and a case started under it follows these. Written out here rather than
 * read from the built-in 2026.3, so that the workflows need not load the built-in versions.
 */
export const FIRST_IDENTIFICATION_RULES: IdentificationRules = Object.freeze({
  dayCount: 'CALENDAR',
  stepDays: Object.freeze({
    HOME_CHECK: 3,
    DATA_CHECK: 2,
    VILLAGE_REVIEW: 2,
    TOWNSHIP_REVIEW: 1,
    COUNTY_APPROVAL: 2,
  }),
  publicNoticeDays: 5, // (county) 公示不少于 5 天
  totalLimitDays: 15, // (county) 从发现线索到认定不超过 15 天
});

/** The rules of a policy; one from before 2026.3 has none and follows the first that had them. */
export function identificationRules(policy: Policy): IdentificationRules {
  return policy.identification ?? FIRST_IDENTIFICATION_RULES;
}

/** How many days a step may take (for the public notice: how long it stays posted). */
export function identificationStepDays(rules: IdentificationRules, step: IdentificationStep): number {
  return step === 'PUBLIC_NOTICE' ? rules.publicNoticeDays : rules.stepDays[step];
}

/** When a step started at `startedAt` is due (the notice: when it comes down). */
export function identificationStepDeadline(
  rules: IdentificationRules,
  step: IdentificationStep,
  startedAt: string,
  timeZone: string,
): string {
  return addTownshipDays(startedAt, identificationStepDays(rules, step), rules.dayCount, timeZone);
}

/** The whole procedure's limit: from the first clue (the case raised) to recognition. */
export function identificationLimitAt(
  rules: IdentificationRules,
  raisedAt: string,
  timeZone: string,
): string {
  return addTownshipDays(raisedAt, rules.totalLimitDays, rules.dayCount, timeZone);
}

export const DAY_COUNT_LABELS: Record<DayCount, string> = { CALENDAR: '自然日', WORKING: '工作日' };
