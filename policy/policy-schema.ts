// The shape of a versioned Policy: every number the rules depend on, so a township can change
// them without touching code. Durations are whole numbers with their unit in the field name
// (…Days, …Hours, …Months) so that a person editing a policy file cannot misread them.
// A running workflow keeps the Policy it was started with (or is explicitly moved to a new
// version), so a changed policy never changes the history a workflow replays.
import { z } from 'zod';
import {
  CADRE_RANK_LABELS,
  CADRE_RANKS,
  type CadreRank,
  cadreRankSeniority,
  FINDING_KINDS,
  HOUSEHOLD_CATEGORIES,
  HOUSEHOLD_CATEGORY_LABELS,
  householdCategorySchema,
  measureKindSchema,
} from './household-types.js';
import { lazySchema } from './lazy-schema.js';
import {
  describeIssues,
  safeParseInChinese,
  type ValidationIssue,
  type ValidationResult,
} from './validation-issues.js';

// Upper bounds only catch typos (an extra zero); they are far beyond any sensible value.
const MAX_DAYS = 3650;
const MAX_HOURS = 24 * 365;
const MAX_COUNT = 1000;

// The county rule for closing a case requires a public notice of at least five days; a township
// policy may lengthen it, never shorten it.
export const MIN_PUBLIC_NOTICE_DAYS = 5;

function wholeDays(label: string, min = 1) {
  return z
    .int({ error: `${label}必须是整数（单位：天）` })
    .min(min, `${label}不能少于 ${min} 天`)
    .max(MAX_DAYS, `${label}不能超过 ${MAX_DAYS} 天`);
}

function wholeHours(label: string, min = 0) {
  return z
    .int({ error: `${label}必须是整数（单位：小时）` })
    .min(min, `${label}不能少于 ${min} 小时`)
    .max(MAX_HOURS, `${label}不能超过 ${MAX_HOURS} 小时`);
}

function wholeMonths(label: string) {
  return z
    .int({ error: `${label}必须是整数（单位：月）` })
    .min(0, `${label}不能是负数`)
    .max(120, `${label}不能超过 120 个月`);
}

function wholeCount(label: string, min: number) {
  return z
    .int({ error: `${label}必须是整数` })
    .min(min, `${label}不能少于 ${min}`)
    .max(MAX_COUNT, `${label}不能超过 ${MAX_COUNT}`);
}

function positiveYuan(label: string) {
  return z.number({ error: `${label}必须是数字（单位：元）` }).positive(`${label}必须大于 0 元`);
}

/** A strict object: a misspelt field name is refused instead of silently ignored. */
function section<Shape extends z.core.$ZodLooseShape>(label: string, shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${label}中有无法识别的字段：${issue.keys.join('、')}`
        : `${label}必须是一个对象`,
  });
}

// ---------------------------------------------------------------------------------------------
// Escalation ladder.

export const ESCALATION_RANKS = ['ASSIGNED', ...CADRE_RANKS] as const;
export const escalationRankSchema = z.enum(ESCALATION_RANKS, {
  error: '升级对象必须是 ASSIGNED（任务承办人）或一个干部职务',
});
/** 'ASSIGNED' is whoever the overdue task is assigned to; the others are resolved by rank. */
export type EscalationRank = z.infer<typeof escalationRankSchema>;

export const ESCALATION_RANK_LABELS: Record<EscalationRank, string> = {
  ASSIGNED: '任务承办人',
  ...CADRE_RANK_LABELS,
};

const escalationRungSchema = lazySchema(() =>
  section('升级阶梯的每一级', {
    rank: escalationRankSchema,
    // Hours to wait after the previous rung was notified (for the first rung: after the due
    // time) before this rung is notified.
    graceHours: wholeHours('宽限时间'),
  }),
);
export type EscalationRung = z.infer<typeof escalationRungSchema>;

const escalationLadderSchema = lazySchema(() =>
  z
    .array(escalationRungSchema, { error: '督战升级阶梯必须是一个列表' })
    .min(1, '督战升级阶梯不能为空')
    .superRefine((ladder, ctx) => {
      ladder.forEach((rung, index) => {
        if (index === 0) {
          if (rung.rank !== 'ASSIGNED') {
            ctx.addIssue({
              code: 'custom',
              path: [0, 'rank'],
              message: '督战升级阶梯的第一级必须是任务承办人（ASSIGNED）',
            });
          }
          return;
        }
        const previous = ladder[index - 1];
        if (rung.rank === 'ASSIGNED') {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'rank'],
            message: '任务承办人（ASSIGNED）只能是升级阶梯的第一级',
          });
        } else if (previous && previous.rank !== 'ASSIGNED' && !isMoreSenior(rung.rank, previous.rank)) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'rank'],
            message: `升级阶梯必须逐级向上：${CADRE_RANK_LABELS[rung.rank]}不能排在${CADRE_RANK_LABELS[previous.rank]}之后`,
          });
        }
      });
    }),
);

function isMoreSenior(rank: CadreRank, than: CadreRank): boolean {
  return cadreRankSeniority(rank) > cadreRankSeniority(than);
}

// ---------------------------------------------------------------------------------------------
// Caps on the money a measure may bring a household.

const measureCapSchema = lazySchema(() =>
  section('资金上限', {
    perHouseholdYuan: positiveYuan('每户上限').optional(),
    // Multiplied by the number of persons the measure benefits (the measure's `persons`).
    perPersonYuan: positiveYuan('每人上限').optional(),
    // true: the cap is per year (每人每年): totals count the 12 months up to a visit, not the whole supervision.
    perYear: z.boolean({ error: '按年计算必须是 true 或 false' }).optional(),
    // When set, only households of these categories may receive the measure at all.
    onlyCategories: z
      .array(householdCategorySchema, { error: '适用户类别必须是一个列表' })
      .min(1, '适用户类别不能为空；不限类别时请删除该字段')
      .optional(),
  }).superRefine((cap, ctx) => {
    if (
      cap.perHouseholdYuan === undefined &&
      cap.perPersonYuan === undefined &&
      cap.onlyCategories === undefined
    ) {
      ctx.addIssue({ code: 'custom', message: '资金上限至少要规定每户上限、每人上限或适用户类别之一' });
    }
    if (
      cap.perHouseholdYuan !== undefined &&
      cap.perPersonYuan !== undefined &&
      cap.perPersonYuan > cap.perHouseholdYuan
    ) {
      ctx.addIssue({ code: 'custom', path: ['perPersonYuan'], message: '每人上限不能高于每户上限' });
    }
    if (cap.onlyCategories && new Set(cap.onlyCategories).size !== cap.onlyCategories.length) {
      ctx.addIssue({ code: 'custom', path: ['onlyCategories'], message: '适用户类别有重复' });
    }
  }),
);
export type MeasureCap = z.infer<typeof measureCapSchema>;

const measureCapsSchema = lazySchema(() =>
  z.partialRecord(measureKindSchema, measureCapSchema, {
    // zod reports an unknown key of an enum-keyed record as 'unrecognized_keys' (with `keys`) even
    // though its types only declare the record's other issue codes.
    error: (issue) =>
      'keys' in issue && Array.isArray(issue.keys)
        ? `资金上限中有不在措施菜单里的措施：${issue.keys.join('、')}`
        : '资金上限必须是“措施 → 上限”的对象',
  }),
);

// ---------------------------------------------------------------------------------------------
// The Policy.

export const policySchema = lazySchema(() =>
  section('督战策略', {
    // 'YYYY.N': the year it was issued and a sequence number; compared numerically.
    version: z
      .string({ error: '策略版本号必须是文字' })
      .regex(/^\d{4}\.\d+$/, '策略版本号格式应为“年份.序号”，例如 2024.1'),

    // Scheduled visits: one every N days, by category.
    visitEveryDays: section('走访周期', {
      UNLIFTED: wholeDays(`${HOUSEHOLD_CATEGORY_LABELS.UNLIFTED}走访周期`),
      MONITORED: wholeDays(`${HOUSEHOLD_CATEGORY_LABELS.MONITORED}走访周期`),
      MARGINAL: wholeDays(`${HOUSEHOLD_CATEGORY_LABELS.MARGINAL}走访周期`),
    }),
    // A visit task is due this many days after it is opened.
    visitTaskDueDays: wholeDays('走访任务办理期限'),
    // The assignee of any task (visit or follow-up) is reminded this long before it falls due.
    reminderLeadHours: wholeHours('到期提醒提前量'),

    // A follow-up task opened by a finding is due this many days after the visit that found it.
    followUpDueDays: section('问题整改期限', {
      GUARANTEE_FAILED: wholeDays('保障未达标整改期限'),
      INCOME_BELOW_LINE: wholeDays('收入不达标整改期限'),
      CAP_EXCEEDED: wholeDays('资金超标整改期限'),
      LARGE_COST: wholeDays('大额支出整改期限'),
    }),

    // Who is notified, and when, about overdue work (督战).
    escalationLadder: escalationLadderSchema,

    // 一超过: per-capita annual net income must be at least this (set yearly and locally).
    incomeLineYuanPerPersonYear: positiveYuan('收入线'),
    // An unresolved unavoidable cost at or above this is a risk (大额刚性支出).
    largeCostThresholdYuan: positiveYuan('大额支出标准'),

    // Measures without an entry have no cap.
    measureCaps: measureCapsSchema,

    // 稳定脱贫 / 风险消除 criteria.
    stableExit: section('稳定退出标准', {
      minCompliantVisits: wholeCount('连续达标走访次数', 1),
      minStableMonths: wholeMonths('收入稳定期'),
      minMonitoredMonths: wholeMonths('最短监测期'),
      minMeasures: wholeCount('最少帮扶措施数', 0),
      // 兜底: households with no one able to work stay under the safety net.
      neverCloseWithoutLabour: z.boolean({ error: '无劳动力户是否不退出必须是 true 或 false' }),
    }),

    // Closing a case, step by step. PUBLIC_NOTICE is how long the notice stays posted (the
    // workflow waits that long); every other step is the deadline to complete it.
    closingProcedureDays: section('退出程序期限', {
      VILLAGE_REVIEW: wholeDays('民主评议期限'),
      PUBLIC_NOTICE: wholeDays('公示期', MIN_PUBLIC_NOTICE_DAYS),
      TOWNSHIP_REVIEW: wholeDays('乡镇审核期限'),
      COUNTY_APPROVAL: wholeDays('县级审批期限'),
    }),

    // From 2026.1: the closing steps' deadlines above are enforced. When a step (other than the
    // public notice, which ends on its own) passes its deadline, the people who must act are told;
    // then, every `graceHours`, the next rung of that step's approvers (policy/closing-procedure.ts).
    // Absent in older versions: their closing steps have no deadline.
    closingOverdue: section('退出程序逾期督办', {
      graceHours: wholeHours('逾期督办间隔', 1),
    }).optional(),

    // From 2026.2: the evidence a visit may carry (入户照片 and location). Photos are resized on the
    // phone and checked again by the server; a visit located farther than `farFromHomeMeters` from the
    // household's first located visit is marked for the supervisor, not refused. Absent in older
    // versions: the rules of the first version that has them apply (policy/visit-evidence.ts).
    visitEvidence: section('走访佐证', {
      maxPhotos: wholeCount('每次走访照片张数上限', 0),
      maxPhotoBytes: z
        .int({ error: '单张照片大小上限必须是整数（单位：字节）' })
        .min(20_000, '单张照片大小上限不能少于 20000 字节')
        .max(5_000_000, '单张照片大小上限不能超过 5000000 字节'),
      maxPhotoEdgePx: z
        .int({ error: '照片最长边必须是整数（单位：像素）' })
        .min(320, '照片最长边不能少于 320 像素')
        .max(4096, '照片最长边不能超过 4096 像素'),
      farFromHomeMeters: z
        .int({ error: '走访位置偏离距离必须是整数（单位：米）' })
        .min(50, '走访位置偏离距离不能少于 50 米')
        .max(100_000, '走访位置偏离距离不能超过 100000 米'),
    }).optional(),

    // From 2026.3: 识别纳入, the procedure that brings a household under supervision (policy/identification.ts).
    // Each decided step's deadline, counted from when it starts; the public notice's length (at least
    // five days); the limit of the whole procedure from the first clue to recognition; whether all of
    // these count calendar days or working days. Absent in older versions: a case started under one
    // follows the first version that has them.
    identification: section('识别纳入程序', {
      dayCount: z.enum(['CALENDAR', 'WORKING'], {
        error: '天数计法必须是 CALENDAR（自然日）或 WORKING（工作日）',
      }),
      stepDays: section('识别纳入各环节期限', {
        HOME_CHECK: wholeDays('入户核实期限'),
        DATA_CHECK: wholeDays('信息比对期限'),
        VILLAGE_REVIEW: wholeDays('村级民主评议期限'),
        TOWNSHIP_REVIEW: wholeDays('乡镇审核期限'),
        COUNTY_APPROVAL: wholeDays('县级审批期限'),
      }),
      publicNoticeDays: wholeDays('识别公示期', MIN_PUBLIC_NOTICE_DAYS),
      totalLimitDays: wholeDays('识别纳入总时限'),
    })
      .superRefine((rules, ctx) => {
        const sum = Object.values(rules.stepDays).reduce((a, b) => a + b, 0) + rules.publicNoticeDays;
        if (sum > rules.totalLimitDays) {
          ctx.addIssue({
            code: 'custom',
            path: ['totalLimitDays'],
            message: `识别纳入各环节期限与公示期合计 ${sum} 天，超过了总时限 ${rules.totalLimitDays} 天`,
          });
        }
      })
      .optional(),

    // A declared shock (epidemic, lost migrant work, disaster) adds visits for a while.
    shock: section('突发风险', {
      extraVisitEveryDays: wholeDays('突发风险加密走访周期'),
      durationDays: wholeDays('突发风险加密走访持续时间'),
    }),
  }).superRefine((policy, ctx) => {
    const shortestVisitEveryDays = Math.min(...HOUSEHOLD_CATEGORIES.map((c) => policy.visitEveryDays[c]));
    if (policy.visitTaskDueDays > shortestVisitEveryDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['visitTaskDueDays'],
        message: `走访任务办理期限（${policy.visitTaskDueDays} 天）不能长于最短的走访周期（${shortestVisitEveryDays} 天），否则上一次走访未到期下一次就开始了`,
      });
    }
    const shortestTaskDays = Math.min(
      policy.visitTaskDueDays,
      ...FINDING_KINDS.map((k) => policy.followUpDueDays[k]),
    );
    if (policy.reminderLeadHours >= shortestTaskDays * 24) {
      ctx.addIssue({
        code: 'custom',
        path: ['reminderLeadHours'],
        message: `到期提醒提前量（${policy.reminderLeadHours} 小时）必须短于最短的任务期限（${shortestTaskDays} 天）`,
      });
    }
    if (policy.shock.durationDays < policy.shock.extraVisitEveryDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['shock', 'durationDays'],
        message: '突发风险加密走访持续时间不能短于加密走访周期，否则一次加密走访也不会发生',
      });
    }
  }),
);

export type Policy = z.infer<typeof policySchema>;

export class PolicyValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`督战策略不合规：${describeIssues(issues)}`);
    this.name = 'PolicyValidationError';
  }
}

/** Checks a policy and returns every problem, for an editor to show. */
export function validatePolicy(input: unknown): ValidationResult<Policy> {
  return safeParseInChinese(policySchema, input);
}

/** Parses a policy; throws PolicyValidationError listing every problem. */
export function parsePolicy(input: unknown): Policy {
  const result = validatePolicy(input);
  if (!result.ok) {
    throw new PolicyValidationError(result.issues);
  }
  return result.value;
}

/** Orders 'YYYY.N' versions numerically: '2024.10' is later than '2024.9'. */
export function comparePolicyVersions(a: string, b: string): number {
  const [yearA = 0, seqA = 0] = a.split('.').map(Number);
  const [yearB = 0, seqB = 0] = b.split('.').map(Number);
  return yearA - yearB || seqA - seqB;
}
