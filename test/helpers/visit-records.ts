import type { VisitRecordInput } from '../../policy/index.js';

const allOk = { ok: true };

/** A visit that meets 一超过、两不愁、三保障 and 饮水安全, with one measure received. */
export function compliantRecord(
  visitorCadreId: string,
  visitedAt: string,
  overrides: Partial<VisitRecordInput> = {},
): VisitRecordInput {
  return {
    visitedAt,
    visitorCadreId,
    perCapitaIncomeYuan: 6500,
    guarantees: {
      food: allOk,
      clothing: allOk,
      education: allOk,
      medical: allOk,
      housing: allOk,
      water: allOk,
    },
    measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 1000 }],
    largeCosts: [],
    notes: '家中情况稳定',
    ...overrides,
  };
}

/** The guarantees of a visit that finds the water supply failing (水管冻裂): it opens a follow-up. */
export const waterFailingGuarantees: VisitRecordInput['guarantees'] = {
  food: allOk,
  clothing: allOk,
  education: allOk,
  medical: allOk,
  housing: allOk,
  water: { ok: false, note: '水管冻裂' },
};
