// duzhan's vocabulary in one place: the Chinese labels of statuses, task kinds, roles and audit
// actions, and the label helpers for the policy's own vocabularies (categories, ranks, measures…,
// defined beside their schemas in household-types.ts). Pure: workflows, activities, queries and
// pages all read it.
import { z } from 'zod';
import { LABOUR_ABILITY_LABELS } from './household-profile.js';
import {
  CADRE_RANK_LABELS,
  FINDING_KIND_LABELS,
  GUARANTEE_ITEM_LABELS,
  type GuaranteeItem,
  HOUSEHOLD_CATEGORY_LABELS,
  LABOUR_CLASS_LABELS,
  MEASURE_KIND_LABELS,
  type MeasureKind,
} from './household-types.js';
import { ESCALATION_RANK_LABELS } from './policy-schema.js';

/** Household.status, in the order a household goes through them. */
export const HOUSEHOLD_STATUSES = [
  'REGISTERED',
  'SUPERVISED',
  'PAUSED',
  'CLOSING',
  'STABLY_OUT',
  'CANCELLED',
] as const;
export type HouseholdStatus = (typeof HOUSEHOLD_STATUSES)[number];

export const HOUSEHOLD_STATUS_LABELS: Record<HouseholdStatus, string> = {
  REGISTERED: '已登记',
  SUPERVISED: '督战中',
  PAUSED: '暂停督战',
  CLOSING: '退出程序中',
  STABLY_OUT: '稳定脱贫',
  CANCELLED: '终止督战',
};

/** Statuses of a household still under 挂牌督战 (not yet out, not cancelled). */
export const ACTIVE_STATUSES: readonly HouseholdStatus[] = ['REGISTERED', 'SUPERVISED', 'PAUSED', 'CLOSING'];

/** Statuses whose supervision has ended (out, or cancelled): 回退 (readmission) starts a new run from them. */
export const ENDED_STATUSES: readonly HouseholdStatus[] = ['STABLY_OUT', 'CANCELLED'];

/** Whether a Household.status read from the database is one whose supervision has ended. */
export const supervisionEnded = (status: string): boolean =>
  (ENDED_STATUSES as readonly string[]).includes(status);

/** What a task is for: a scheduled visit, a finding's follow-up, a new cadre's handover visit, a step of 识别纳入. */
export const TASK_KINDS = ['VISIT', 'FOLLOW_UP', 'HANDOVER', 'IDENTIFICATION'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_KIND_LABELS: Record<TaskKind, string> = {
  VISIT: '入户走访',
  FOLLOW_UP: '问题整改跟进',
  HANDOVER: '交接走访',
  IDENTIFICATION: '识别纳入',
};

export const TASK_STATUS_LABELS: Record<string, string> = {
  OPEN: '待办',
  DONE: '已办结',
  CANCELLED: '已取消',
};

/** The two roles of 双帮扶制 a cadre holds for a household (Assignment.role). */
export const ASSIGNMENT_ROLE_LABELS = { ASSISTANCE: '帮扶责任人', LEADER: '结对帮扶领导' } as const;
export type AssignmentRole = keyof typeof ASSIGNMENT_ROLE_LABELS;

/** An assignment role as given by a form or an API body: the route and the domain check the same way. */
export const assignmentRoleSchema = z.enum(['ASSISTANCE', 'LEADER'], {
  error: `角色必须是 ${ASSIGNMENT_ROLE_LABELS.ASSISTANCE} 或 ${ASSIGNMENT_ROLE_LABELS.LEADER}`,
});

export { LABOUR_ABILITY_LABELS };

/** What the audit log's `action` means, for the household's timeline. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  LEDGER_IMPORTED: '台账导入',
  SUPERVISION_STARTED: '纳入挂牌督战',
  READMITTED: '重新纳入督战',
  CATEGORY_CHANGED: '调整户类别',
  CADRE_REASSIGNED: '调整帮扶干部',
  FACTS_UPDATED: '家庭信息变更',
  POLICY_UPGRADED: '升级督战策略',
  SHOCK_DECLARED: '突发风险',
  PAUSED: '暂停督战',
  RESUMED: '恢复督战',
  CLOSING_STARTED: '达到稳定脱贫标准，进入退出程序',
  CLOSING_STEP_DONE: '退出程序步骤完成',
  CLOSING_ABORTED: '退出程序中止',
  STABLY_OUT: '稳定脱贫，退出督战',
  SUPERVISION_CANCELLED: '终止督战',
  ESCALATION_RUNG_SKIPPED: '督战升级：跳过该级（无人任职、即承办人本人、已通知或职级低于承办人）',
  FACTS_CHANGED: '家庭信息变更',
  SHOCK_DEFERRED: '突发风险（暂停期间宣布，恢复督战时生效）',
  ACTIVITY_FAILED: '系统故障：一项后台任务无法完成，已通知管理员',
  ACTIVITY_RETRYING: '系统故障：后台任务重试超过一小时',
};

/** A label from a table, or the raw value when the table has none (a value from a newer version). */
export function labelOf(table: Record<string, string>, key: string): string {
  return table[key] ?? key;
}

export const categoryLabel = (c: string) => labelOf(HOUSEHOLD_CATEGORY_LABELS, c);
export const labourClassLabel = (c: string) => labelOf(LABOUR_CLASS_LABELS, c);
export const statusLabel = (s: string) => labelOf(HOUSEHOLD_STATUS_LABELS, s);
export const rankLabel = (r: string) => labelOf(CADRE_RANK_LABELS, r);
export const escalationRankLabel = (r: string) => labelOf(ESCALATION_RANK_LABELS, r);
export const findingKindLabel = (k: string) => labelOf(FINDING_KIND_LABELS, k);
export const measureKindLabel = (k: string) => labelOf(MEASURE_KIND_LABELS, k);

/** A finding's item: a guarantee item, 'income', a measure kind, or a large cost's description. */
export function findingItemLabel(item: string | null): string | null {
  if (item === null) return null;
  if (item === 'income') return '人均纯收入';
  if (item in GUARANTEE_ITEM_LABELS) return GUARANTEE_ITEM_LABELS[item as GuaranteeItem];
  if (item in MEASURE_KIND_LABELS) return MEASURE_KIND_LABELS[item as MeasureKind];
  return item;
}
