// The township's starting policy. Numbers marked (seed) come from the township work plan
// (XX乡脱贫攻坚挂牌督战工作方案); (county) from published county rules for closing a monitored
// case (风险消除) after 2021; the rest are this system's defaults, which the township may change.
import { FIRST_IDENTIFICATION_RULES } from './identification.js';
import { type Policy, parsePolicy } from './policy-schema.js';
import { FIRST_VISIT_EVIDENCE_RULES } from './visit-evidence.js';

/** Freezes a parsed policy all the way down so no caller can edit a shared version in place. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_POLICY: Policy = deepFreeze(
  parsePolicy({
    version: '2024.1',

    // Defaults the township may change: 未脱贫户 are the most severe group and are visited twice
    // a month; monitored and marginal households monthly.
    visitEveryDays: { UNLIFTED: 14, MONITORED: 30, MARGINAL: 30 },
    visitTaskDueDays: 7,
    reminderLeadHours: 24,

    // "发现问题及时帮扶": a failed guarantee (food, housing, water…) is urgent; raising income
    // takes a season's work.
    followUpDueDays: { GUARANTEE_FAILED: 7, INCOME_BELOW_LINE: 30, CAP_EXCEEDED: 7, LARGE_COST: 15 },

    // 督战: the assignee is told as soon as the work is overdue, then the ladder climbs.
    escalationLadder: [
      { rank: 'ASSIGNED', graceHours: 0 },
      { rank: 'VILLAGE_LEADER', graceHours: 48 },
      { rank: 'LEADER_IN_CHARGE', graceHours: 48 },
      { rank: 'TOWNSHIP_HEAD', graceHours: 72 },
      { rank: 'PARTY_SECRETARY', graceHours: 72 },
    ],

    incomeLineYuanPerPersonYear: 4000, // (seed) 确保当年人均收入稳定在4000元以上
    largeCostThresholdYuan: 10000,

    measureCaps: {
      INDUSTRY_SUBSIDY: { perHouseholdYuan: 30000 }, // (seed) 每户不超过3万元
      // (seed) 边缘户: 每人5000元，每户不超过2万元; only marginal households.
      MARGINAL_PROJECT: { perPersonYuan: 5000, perHouseholdYuan: 20000, onlyCategories: ['MARGINAL'] },
      LABOUR_TRANSFER_TIANJIN: { perPersonYuan: 2024 }, // (seed) 天津南开区 每人每年2024元
      LABOUR_TRANSFER_OUT_OF_PROVINCE: { perPersonYuan: 1800 }, // (seed) 省外务工补助1800元
      LABOUR_TRANSFER_IN_PROVINCE: { perPersonYuan: 1500 }, // (seed) 省内务工补助1500元
      PUBLIC_WELFARE_POST: { perPersonYuan: 8000 }, // (seed) 公益专岗 每人每年8000元
    },

    stableExit: {
      minCompliantVisits: 6,
      minStableMonths: 6, // (county) 收入稳定 6 个月以上
      minMonitoredMonths: 6, // (county) 监测 6 个月以上
      minMeasures: 1, // (county) 至少落实一项帮扶措施
      neverCloseWithoutLabour: true, // (county) 无劳动力户 stay under 兜底
    },

    closingProcedureDays: {
      VILLAGE_REVIEW: 14,
      PUBLIC_NOTICE: 5, // (county) 公示不少于 5 天
      TOWNSHIP_REVIEW: 7,
      COUNTY_APPROVAL: 15,
    },

    // (seed) households relying on migrant work hit by an epidemic are re-checked: weekly for
    // four weeks.
    shock: { extraVisitEveryDays: 7, durationDays: 28 },
  }),
);

/**
 * 2024.2: the per-person labour-transfer subsidies and public-welfare posts are paid per year
 * (每人每年), so their caps count the 12 months up to a visit. Workflows started under 2024.1 keep
 * it until told to upgrade.
 */
export const POLICY_2024_2: Policy = deepFreeze(
  parsePolicy({
    ...DEFAULT_POLICY,
    version: '2024.2',
    measureCaps: {
      ...DEFAULT_POLICY.measureCaps,
      LABOUR_TRANSFER_TIANJIN: { perPersonYuan: 2024, perYear: true },
      LABOUR_TRANSFER_OUT_OF_PROVINCE: { perPersonYuan: 1800, perYear: true },
      LABOUR_TRANSFER_IN_PROVINCE: { perPersonYuan: 1500, perYear: true },
      PUBLIC_WELFARE_POST: { perPersonYuan: 8000, perYear: true },
    },
  }),
);

/**
 * 2026.1: the closing procedure's deadlines (closingProcedureDays) are enforced: a step past its
 * deadline is reported to its approvers, then up their ladder every three days. Workflows started
 * under an older version have no closing deadlines until told to upgrade.
 */
export const POLICY_2026_1: Policy = deepFreeze(
  parsePolicy({
    ...POLICY_2024_2,
    version: '2026.1',
    closingOverdue: { graceHours: 72 },
  }),
);

/** 2026.2: a visit may carry evidence, photos and its location (FIRST_VISIT_EVIDENCE_RULES). */
export const POLICY_2026_2: Policy = deepFreeze(
  parsePolicy({ ...POLICY_2026_1, version: '2026.2', visitEvidence: FIRST_VISIT_EVIDENCE_RULES }),
);

/** 2026.3: 识别纳入 as a procedure with deadlines (its first rules: FIRST_IDENTIFICATION_RULES). */
export const POLICY_2026_3: Policy = deepFreeze(
  parsePolicy({ ...POLICY_2026_2, version: '2026.3', identification: FIRST_IDENTIFICATION_RULES }),
);
