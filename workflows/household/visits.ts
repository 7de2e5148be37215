// Turning a completed visit into what the workflow keeps and decides on. Pure.
import {
  checkMeasureCaps,
  type ExitVisit,
  evaluateVisit,
  type Finding,
  failedGuarantees,
  incomeMeetsLine,
  type MeasureReceived,
  type Policy,
  parseInstant,
  unresolvedLargeCosts,
  type VisitRecord,
} from '../../policy/rules.js';
import type { HouseholdState, VisitSummary } from './definitions.js';

/** Visits kept in the state: enough for any stable period, bounded so continue-as-new stays small. */
export const MAX_VISITS_KEPT = 48;

export function summariseVisit(taskId: string, record: VisitRecord): VisitSummary {
  return {
    taskId,
    visitedAt: record.visitedAt,
    perCapitaIncomeYuan: record.perCapitaIncomeYuan,
    guaranteesSecured: failedGuarantees(record).length === 0,
    largeCosts: record.largeCosts.map((c) => ({ amountYuan: c.amountYuan, resolved: c.resolved })),
    measuresCount: record.measures.length,
  };
}

/** Judged under the policy in force now, so a new income line re-checks every past visit. */
export function exitVisits(policy: Policy, visits: readonly VisitSummary[]): ExitVisit[] {
  return visits.map((v) => ({
    visitedAt: v.visitedAt,
    measuresCount: v.measuresCount,
    guaranteesSecured: v.guaranteesSecured,
    compliant:
      v.guaranteesSecured &&
      incomeMeetsLine(policy, v) &&
      unresolvedLargeCosts(policy, { largeCosts: v.largeCosts.map((c) => ({ ...c, description: '' })) })
        .length === 0,
  }));
}

const YEAR_MS = 365 * 24 * 3_600_000;

/**
 * One entry per kind: the amounts added up, and the most persons any payment was for. Payments
 * over time reach the same people again; adding their persons up would raise a per-person cap
 * with every payment.
 */
function totalsByKind(measures: readonly MeasureReceived[]): MeasureReceived[] {
  const byKind = new Map<MeasureReceived['kind'], MeasureReceived>();
  for (const m of measures) {
    const seen = byKind.get(m.kind);
    byKind.set(m.kind, {
      kind: m.kind,
      amountYuan: (seen?.amountYuan ?? 0) + m.amountYuan,
      persons: Math.max(seen?.persons ?? 1, m.persons ?? 1),
    });
  }
  return [...byKind.values()];
}

/**
 * The measures a cap counts at a visit: all of them, or for a per-year cap (每人每年) those of the
 * 12 months before it. A measure with no date (kept by a run before dates were) always counts.
 */
function measuresInWindow(state: HouseholdState, visitedAt: string): HouseholdState['measures'] {
  const from = parseInstant(visitedAt) - YEAR_MS;
  return state.measures.filter(
    (m) =>
      !state.policy.measureCaps[m.kind]?.perYear ||
      m.visitedAt === undefined ||
      parseInstant(m.visitedAt) > from,
  );
}

/**
 * The findings of this visit, plus one CAP_EXCEEDED per measure kind whose total over the whole
 * supervision now passes its cap (a single record over a cap is refused before it gets here).
 * `onlyKindsInVisit`: report a total only for a kind this visit received, so a cap passed once is
 * not reported again at every later visit. `yearlyWindow`: a per-year cap counts the last 12 months.
 * Both false reproduce the behaviour before the patches of the same names (for replay).
 */
export function findingsOf(
  state: HouseholdState,
  record: VisitRecord,
  options = { onlyKindsInVisit: true, yearlyWindow: true },
): Finding[] {
  const ofVisit = evaluateVisit(state.policy, state.facts, record);
  const kindsInVisit = new Set(record.measures.map((m) => m.kind));
  const all = options.yearlyWindow
    ? totalsByKind([...measuresInWindow(state, record.visitedAt), ...record.measures])
    : [...state.measures, ...record.measures];
  const cumulative = checkMeasureCaps(state.policy, state.facts, all)
    .filter((v) => v.reason === 'PER_HOUSEHOLD' || v.reason === 'PER_PERSON')
    .filter((v) => !options.onlyKindsInVisit || kindsInVisit.has(v.kind))
    .map(
      (v): Finding => ({
        kind: 'CAP_EXCEEDED',
        item: v.kind,
        message: `累计${v.message}`,
        dueDays: state.policy.followUpDueDays.CAP_EXCEEDED,
      }),
    );
  return [...ofVisit, ...cumulative];
}

/** How far a phone's clock may run ahead (the validator allows a visit up to an hour after now). */
export const CLOCK_SKEW_MS = 3_600_000;
/** A visit may be recorded up to a day before its task was opened (visit-handling.ts). */
export const VISIT_BEFORE_TASK_MS = 24 * 3_600_000;

/**
 * The measures list kept bounded: measures too old for any later visit's 12-month window are merged
 * into one entry per kind (amounts added, the most persons kept, dated by the latest of them, so a
 * per-year cap never counts it, whatever policy the household is upgraded to); newer ones and
 * undated ones (kept by runs before dates were) stay as they are. A later record is for a task open
 * now or opened later, so no later visit is earlier than the oldest open task (less a day), nor than
 * now (less the clock skew): the totals `findingsOf` computes come out the same, and the list stays
 * at one entry per kind plus about a year of measures, however long the supervision.
 */
export function boundedMeasures(state: HouseholdState, visitedAt: string): HouseholdState['measures'] {
  const earliestLater = Math.min(
    parseInstant(visitedAt) - CLOCK_SKEW_MS,
    ...state.openTasks.map((t) => parseInstant(t.openedAt) - VISIT_BEFORE_TASK_MS),
  );
  const cutoff = earliestLater - YEAR_MS;
  const merged = new Map<MeasureReceived['kind'], HouseholdState['measures'][number]>();
  const kept: HouseholdState['measures'] = [];
  for (const m of state.measures) {
    if (m.visitedAt === undefined || parseInstant(m.visitedAt) > cutoff) {
      kept.push(m);
      continue;
    }
    const seen = merged.get(m.kind);
    merged.set(m.kind, {
      kind: m.kind,
      amountYuan: (seen?.amountYuan ?? 0) + m.amountYuan,
      persons: Math.max(seen?.persons ?? 1, m.persons ?? 1),
      visitedAt:
        seen?.visitedAt && parseInstant(seen.visitedAt) > parseInstant(m.visitedAt)
          ? seen.visitedAt
          : m.visitedAt,
    });
  }
  return [...merged.values(), ...kept];
}
