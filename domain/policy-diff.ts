// A policy draft shown against the current policy, field by field, in words an admin reads:
// "收入线（元/人/年）：4,000 → 4,500" rather than a JSON diff.
import {
  CLOSING_STEP_LABELS,
  ESCALATION_RANK_LABELS,
  FINDING_KIND_LABELS,
  HOUSEHOLD_CATEGORY_LABELS,
  MEASURE_KIND_LABELS,
  type Policy,
} from '../policy/index.js';

export interface PolicyChange {
  /** Dotted path of the field, e.g. 'measureCaps.INDUSTRY_SUBSIDY.perHouseholdYuan'. */
  path: string;
  /** The same path in words, e.g. '资金上限 · 产业奖补 · 每户上限（元）'. */
  label: string;
  /** The value before and after, as shown; '（无）' when the field is absent on that side. */
  from: string;
  to: string;
}

// Field names of the policy schema (policy/policy-schema.ts) in words; a field added later without a
// label here still shows, under its own name.
const FIELD_LABELS: Record<string, string> = {
  version: '版本号',
  visitEveryDays: '走访周期（天）',
  visitTaskDueDays: '走访任务办理期限（天）',
  reminderLeadHours: '到期提醒提前量（小时）',
  followUpDueDays: '问题整改期限（天）',
  escalationLadder: '督战升级阶梯',
  incomeLineYuanPerPersonYear: '收入线（元/人/年）',
  largeCostThresholdYuan: '大额支出标准（元）',
  measureCaps: '资金上限',
  perHouseholdYuan: '每户上限（元）',
  perPersonYuan: '每人上限（元）',
  perYear: '按年计算',
  onlyCategories: '适用户类别',
  stableExit: '稳定退出标准',
  minCompliantVisits: '连续达标走访次数',
  minStableMonths: '收入稳定期（月）',
  minMonitoredMonths: '最短监测期（月）',
  minMeasures: '最少帮扶措施数',
  neverCloseWithoutLabour: '无劳动力户不退出',
  closingProcedureDays: '退出程序期限（天）',
  identification: '识别纳入程序',
  dayCount: '天数计法',
  stepDays: '各环节期限（天）',
  publicNoticeDays: '公示期（天）',
  totalLimitDays: '总时限（天）',
  HOME_CHECK: '入户核实',
  DATA_CHECK: '信息比对',

  shock: '突发风险',
  extraVisitEveryDays: '加密走访周期（天）',
  durationDays: '加密走访持续时间（天）',
  rank: '升级对象',
  graceHours: '宽限时间（小时）',
  ...HOUSEHOLD_CATEGORY_LABELS,
  ...FINDING_KIND_LABELS,
  ...MEASURE_KIND_LABELS,
  ...CLOSING_STEP_LABELS,
};

const VALUE_LABELS: Record<string, string> = {
  CALENDAR: '自然日',
  WORKING: '工作日',
  ...HOUSEHOLD_CATEGORY_LABELS,
  ...ESCALATION_RANK_LABELS,
};

const ABSENT = '（无）';

function labelOf(path: readonly string[]): string {
  return path
    .map((segment, i) => {
      if (/^\d+$/.test(segment) && path[i - 1] === 'escalationLadder') return `第 ${Number(segment) + 1} 级`;
      return FIELD_LABELS[segment] ?? segment;
    })
    .join(' · ');
}

function show(value: unknown): string {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'number') return value.toLocaleString('zh-CN');
  if (typeof value === 'string') return VALUE_LABELS[value] ?? value;
  if (Array.isArray(value)) return value.map(show).join('、');
  return JSON.stringify(value);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** Lists of plain values (e.g. 适用户类别) compare as one value; lists of objects (the ladder) item by item. */
const isListOfRecords = (value: unknown): value is unknown[] => Array.isArray(value) && value.some(isRecord);

function walk(from: unknown, to: unknown, path: string[], changes: PolicyChange[]): void {
  if (isRecord(from) || isRecord(to)) {
    const a = isRecord(from) ? from : {};
    const b = isRecord(to) ? to : {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      walk(a[key], b[key], [...path, key], changes);
    return;
  }
  if (isListOfRecords(from) || isListOfRecords(to)) {
    const a = Array.isArray(from) ? from : [];
    const b = Array.isArray(to) ? to : [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], [...path, String(i)], changes);
    return;
  }
  if (show(from) !== show(to) || JSON.stringify(from) !== JSON.stringify(to)) {
    changes.push({ path: path.join('.'), label: labelOf(path), from: show(from), to: show(to) });
  }
}

/** Every field whose value differs between two policies, in the schema's order; the version too. */
export function diffPolicies(from: Policy, to: Policy): PolicyChange[] {
  const changes: PolicyChange[] = [];
  walk(from, to, [], changes);
  return changes;
}
