// Checks a submitted visit record in full: its shape, then its amounts against the policy's caps
// for this household. An over-cap amount is refused here: the record is wrong, and nothing
// that follows (findings, ledger, stable-exit assessment) should ever see it.
import { type CapHousehold, type CapViolation, checkMeasureCaps } from './measure-caps.js';
import type { Policy } from './policy-schema.js';
import { safeParseInChinese, type ValidationIssue, type ValidationResult } from './validation-issues.js';
import { photoCountProblem, visitEvidenceRules } from './visit-evidence.js';
import { type VisitRecord, visitRecordSchema } from './visit-record.js';

export function validateVisitRecord(
  policy: Policy,
  household: CapHousehold,
  input: unknown,
): ValidationResult<VisitRecord> {
  const parsed = safeParseInChinese(visitRecordSchema, input);
  if (!parsed.ok) {
    return parsed;
  }
  const photoProblem = photoCountProblem(
    visitEvidenceRules(policy),
    parsed.value.evidence?.photos.length ?? 0,
  );
  if (photoProblem) return { ok: false, issues: [{ path: 'evidence.photos', message: photoProblem }] };
  const violations = checkMeasureCaps(policy, household, parsed.value.measures);
  if (violations.length > 0) {
    return { ok: false, issues: violations.map(capViolationIssue) };
  }
  return parsed;
}

/** Points a cap violation at the form field to correct (the first measure of that kind). */
export function capViolationIssue(violation: CapViolation): ValidationIssue {
  const field =
    violation.reason === 'CATEGORY_NOT_ELIGIBLE'
      ? 'kind'
      : violation.reason === 'PERSONS_EXCEED_MEMBERS'
        ? 'persons'
        : 'amountYuan';
  const index = violation.measureIndexes[0] ?? 0;
  return { path: `measures.${index}.${field}`, message: violation.message };
}
