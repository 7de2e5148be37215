// The domain's closed vocabularies: each one a zod schema (to validate input), its TS type, its
// list of values in a meaningful order, and the Chinese label a cadre reads on screen and in
// the ledger. Pure: imported by Temporal workflow code.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// 三类重点户: the seed's three kinds of key household.
export const HOUSEHOLD_CATEGORIES = ['UNLIFTED', 'MONITORED', 'MARGINAL'] as const;
export const householdCategorySchema = z.enum(HOUSEHOLD_CATEGORIES, {
  error: '户类别必须是 未脱贫户、脱贫监测户 或 边缘户 之一',
});
export type HouseholdCategory = z.infer<typeof householdCategorySchema>;

export const HOUSEHOLD_CATEGORY_LABELS: Record<HouseholdCategory, string> = {
  UNLIFTED: '未脱贫户',
  MONITORED: '脱贫监测户',
  MARGINAL: '边缘户',
};

// The national monitoring system after 2021 (防止返贫动态监测) has three categories:
// 脱贫不稳定户 (registered-poor households whose exit is not stable), 边缘易致贫户 (never
// registered, at risk of falling into poverty) and 突发严重困难户 (hit by a sudden shock).
// - MONITORED (脱贫监测户) are registered-poor households that exited but are watched:
//   exactly 脱贫不稳定户.
// - MARGINAL (边缘户) were never registered but are at risk: exactly 边缘易致贫户.
// - UNLIFTED (未脱贫户) are registered-poor households that have not exited at all. The national
//   system has no "still poor" category any more; the nearest is 脱贫不稳定户 (a registered
//   household whose poverty is not stably resolved), and it is the one their records were
//   moved to. They remain the most severe group here (shortest visit cadence, 兜底 measures).
//   突发严重困难户 is NOT used for them: it describes a cause (a shock), not a standing status;
//   this system records shocks separately.
export const NATIONAL_CATEGORY_LABELS: Record<HouseholdCategory, string> = {
  UNLIFTED: '脱贫不稳定户',
  MONITORED: '脱贫不稳定户',
  MARGINAL: '边缘易致贫户',
};

// ---------------------------------------------------------------------------------------------
// 四类分类: the labour classes that decide which measures fit a household (一户一策).
export const LABOUR_CLASSES = ['CLASS_1', 'CLASS_2', 'CLASS_3', 'CLASS_4'] as const;
export const labourClassSchema = z.enum(LABOUR_CLASSES, {
  error: '劳动力分类必须是 一类、二类、三类 或 四类 之一',
});
export type LabourClass = z.infer<typeof labourClassSchema>;

export const LABOUR_CLASS_LABELS: Record<LabourClass, string> = {
  CLASS_1: '一类',
  CLASS_2: '二类',
  CLASS_3: '三类',
  CLASS_4: '四类',
};

export const LABOUR_CLASS_DESCRIPTIONS: Record<LabourClass, string> = {
  CLASS_1: '有劳动力且有意愿发展产业',
  CLASS_2: '有剩余劳动力可输转',
  CLASS_3: '有劳动力在本地打零工',
  CLASS_4: '兜底：丧失劳动力、大病慢病或上学刚性支出大',
};

// ---------------------------------------------------------------------------------------------
// 双帮扶制: the ranks of the people paired with a household, in ascending seniority (the
// escalation ladder must climb this order).
export const CADRE_RANKS = [
  'ASSISTANCE_CADRE',
  'VILLAGE_LEADER',
  'LEADER_IN_CHARGE',
  'TOWNSHIP_HEAD',
  'PARTY_SECRETARY',
] as const;
export const cadreRankSchema = z.enum(CADRE_RANKS, {
  error: '干部职务必须是 帮扶责任人、包村领导、分管负责人、乡长 或 党委书记 之一',
});
export type CadreRank = z.infer<typeof cadreRankSchema>;

/** The township leadership, any of whom may be paired with a household one-to-one (双帮扶制). */
export const LEADER_RANKS: readonly CadreRank[] = CADRE_RANKS.filter((r) => r !== 'ASSISTANCE_CADRE');

export const CADRE_RANK_LABELS: Record<CadreRank, string> = {
  ASSISTANCE_CADRE: '帮扶责任人',
  VILLAGE_LEADER: '包村领导',
  LEADER_IN_CHARGE: '分管负责人',
  TOWNSHIP_HEAD: '乡长',
  PARTY_SECRETARY: '党委书记',
};

/** Seniority of a rank: higher is more senior. */
export function cadreRankSeniority(rank: CadreRank): number {
  return CADRE_RANKS.indexOf(rank);
}

// ---------------------------------------------------------------------------------------------
// 帮扶措施: the measures a visit records, with their amounts.
export const MEASURE_KINDS = [
  'INDUSTRY_SUBSIDY',
  'FIVE_SMALL_INDUSTRIES',
  'LABOUR_TRANSFER_TIANJIN',
  'LABOUR_TRANSFER_OUT_OF_PROVINCE',
  'LABOUR_TRANSFER_IN_PROVINCE',
  'SKILLS_TRAINING',
  'POVERTY_WORKSHOP',
  'COOPERATIVE',
  'PUBLIC_WELFARE_POST',
  'DIBAO',
  'WUBAO',
  'RELIEF',
  'MARGINAL_PROJECT',
  'OTHER',
] as const;
export const measureKindSchema = z.enum(MEASURE_KINDS, { error: '帮扶措施类型不在措施菜单中' });
export type MeasureKind = z.infer<typeof measureKindSchema>;

export const MEASURE_KIND_LABELS: Record<MeasureKind, string> = {
  INDUSTRY_SUBSIDY: '到户产业奖补',
  FIVE_SMALL_INDUSTRIES: '“五小”产业',
  LABOUR_TRANSFER_TIANJIN: '天津南开区务工补助',
  LABOUR_TRANSFER_OUT_OF_PROVINCE: '省外务工补助',
  LABOUR_TRANSFER_IN_PROVINCE: '省内务工补助',
  SKILLS_TRAINING: '职业技能培训',
  POVERTY_WORKSHOP: '扶贫车间就业',
  COOPERATIVE: '互助合作（交售饲草、参与劳务、合作分红）',
  PUBLIC_WELFARE_POST: '公益专岗（护林员、保洁员）',
  DIBAO: '低保',
  WUBAO: '五保',
  RELIEF: '政府救助',
  MARGINAL_PROJECT: '边缘户“一户一策”扶持项目',
  OTHER: '其他措施',
};

// ---------------------------------------------------------------------------------------------
// 两不愁三保障 + 饮水安全: the six items checked at every visit.
export const GUARANTEE_ITEMS = ['food', 'clothing', 'education', 'medical', 'housing', 'water'] as const;
export const guaranteeItemSchema = z.enum(GUARANTEE_ITEMS, {
  error: '保障项目必须是 吃、穿、教育、医疗、住房、饮水 之一',
});
export type GuaranteeItem = z.infer<typeof guaranteeItemSchema>;

export const GUARANTEE_ITEM_LABELS: Record<GuaranteeItem, string> = {
  food: '不愁吃',
  clothing: '不愁穿',
  education: '义务教育有保障',
  medical: '基本医疗有保障',
  housing: '住房安全有保障',
  water: '饮水安全有保障',
};

// ---------------------------------------------------------------------------------------------
// Kinds of problem a visit can reveal; each opens a follow-up task due after a policy delay.
export const FINDING_KINDS = ['GUARANTEE_FAILED', 'INCOME_BELOW_LINE', 'CAP_EXCEEDED', 'LARGE_COST'] as const;
export const findingKindSchema = z.enum(FINDING_KINDS, { error: '问题类型不正确' });
export type FindingKind = z.infer<typeof findingKindSchema>;

export const FINDING_KIND_LABELS: Record<FindingKind, string> = {
  GUARANTEE_FAILED: '两不愁三保障或饮水安全未达标',
  INCOME_BELOW_LINE: '人均纯收入低于收入线',
  CAP_EXCEEDED: '帮扶资金超过标准',
  LARGE_COST: '大额刚性支出未解决',
};

// ---------------------------------------------------------------------------------------------
// 风险消除 (closing a case) follows the admission procedure, in this order.
export const CLOSING_STEPS = [
  'VILLAGE_REVIEW',
  'PUBLIC_NOTICE',
  'TOWNSHIP_REVIEW',
  'COUNTY_APPROVAL',
] as const;
export const closingStepSchema = z.enum(CLOSING_STEPS, { error: '退出程序步骤不正确' });
export type ClosingStep = z.infer<typeof closingStepSchema>;

export const CLOSING_STEP_LABELS: Record<ClosingStep, string> = {
  VILLAGE_REVIEW: '村级民主评议',
  PUBLIC_NOTICE: '公示',
  TOWNSHIP_REVIEW: '乡镇审核',
  COUNTY_APPROVAL: '县级审批',
};

// ---------------------------------------------------------------------------------------------
/** What the rules need to know about a household (from the register, not from a visit). */
export interface HouseholdFacts {
  category: HouseholdCategory;
  memberCount: number;
  labourClass: LabourClass;
  /** Someone in the household is able to work. */
  hasLabour: boolean;
}
