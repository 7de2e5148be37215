// Caps on assistance money (一户一策 funding standards). The caps apply to the total of the
// measures passed in, per kind of measure: pass one visit's measures to check that record, or a
// year's measures to check a year (labour-transfer and public-post caps are per person per year).
import {
  HOUSEHOLD_CATEGORY_LABELS,
  type HouseholdCategory,
  MEASURE_KIND_LABELS,
  MEASURE_KINDS,
  type MeasureKind,
} from './household-types.js';
import { formatYuan, sumYuan } from './money.js';
import type { Policy } from './policy-schema.js';
import type { MeasureReceived } from './visit-record.js';

export type CapViolationReason =
  /** The measure is reserved for other categories (e.g. 边缘户 projects for a 脱贫监测户). */
  | 'CATEGORY_NOT_ELIGIBLE'
  /** More beneficiaries than the household has members. */
  | 'PERSONS_EXCEED_MEMBERS'
  /** Over perPersonYuan × beneficiaries. */
  | 'PER_PERSON'
  /** Over perHouseholdYuan. */
  | 'PER_HOUSEHOLD';

export interface CapViolation {
  kind: MeasureKind;
  reason: CapViolationReason;
  /** Total amount of this kind among the measures checked. */
  amountYuan: number;
  /** The limit that was exceeded; null for CATEGORY_NOT_ELIGIBLE and PERSONS_EXCEED_MEMBERS. */
  capYuan: number | null;
  /** Positions, in the list checked, of the measures of this kind (for a form to highlight). */
  measureIndexes: number[];
  message: string;
}

export interface CapHousehold {
  category: HouseholdCategory;
  memberCount: number;
}

type MeasureAmount = Pick<MeasureReceived, 'kind' | 'amountYuan' | 'persons'>;

export function checkMeasureCaps(
  policy: Policy,
  household: CapHousehold,
  measures: readonly MeasureAmount[],
): CapViolation[] {
  const violations: CapViolation[] = [];
  for (const kind of MEASURE_KINDS) {
    const cap = policy.measureCaps[kind];
    const measureIndexes = measures.flatMap((measure, index) => (measure.kind === kind ? [index] : []));
    if (!cap || measureIndexes.length === 0) {
      continue;
    }
    const ofKind = measureIndexes.map((index) => measures[index]).filter((m) => m !== undefined);
    const amountYuan = sumYuan(ofKind.map((m) => m.amountYuan));
    const label = MEASURE_KIND_LABELS[kind];
    const violation = (reason: CapViolationReason, capYuan: number | null, message: string) =>
      violations.push({ kind, reason, amountYuan, capYuan, measureIndexes, message });

    if (cap.onlyCategories && !cap.onlyCategories.includes(household.category)) {
      const allowed = cap.onlyCategories.map((c) => HOUSEHOLD_CATEGORY_LABELS[c]).join('、');
      violation(
        'CATEGORY_NOT_ELIGIBLE',
        null,
        `${label}只适用于${allowed}，该户是${HOUSEHOLD_CATEGORY_LABELS[household.category]}，不能享受`,
      );
      continue;
    }

    if (cap.perPersonYuan !== undefined) {
      // A measure without `persons` benefits one person: the strict reading, so that a
      // per-person cap is never multiplied by people nobody named.
      const statedPersons = ofKind.reduce((total, m) => total + (m.persons ?? 1), 0);
      if (statedPersons > household.memberCount) {
        violation(
          'PERSONS_EXCEED_MEMBERS',
          null,
          `${label}的受益人数合计 ${statedPersons} 人，超过家庭人口 ${household.memberCount} 人`,
        );
      }
      const persons = Math.min(statedPersons, household.memberCount);
      const perPersonTotal = sumYuan([cap.perPersonYuan * persons]);
      if (amountYuan > perPersonTotal) {
        const noPersonsGiven = ofKind.every((m) => m.persons === undefined);
        violation(
          'PER_PERSON',
          perPersonTotal,
          `${label}合计 ${formatYuan(amountYuan)}，超过每人 ${formatYuan(cap.perPersonYuan)} × ${persons} 人 = ${formatYuan(perPersonTotal)}的上限` +
            (noPersonsGiven ? '（如惠及多人，请填写受益人数）' : ''),
        );
      }
    }

    if (cap.perHouseholdYuan !== undefined && amountYuan > cap.perHouseholdYuan) {
      violation(
        'PER_HOUSEHOLD',
        cap.perHouseholdYuan,
        `${label}合计 ${formatYuan(amountYuan)}，超过每户 ${formatYuan(cap.perHouseholdYuan)}的上限`,
      );
    }
  }
  return violations;
}
