// Visits: the scheduled visit task, a completed task with its visit record, and the follow-ups
// the record's findings open.
import { ApplicationFailure } from '@temporalio/workflow';
import { ACCESS_MESSAGES, mayCompleteTask } from '../../domain/access.js';
import {
  addDays,
  describeIssues,
  isCompliantVisit,
  parseInstant,
  type VisitRecord,
  type VisitRecordInput,
  validateVisitRecord,
  visitEvidenceRules,
} from '../../policy/rules.js';
import { abortClosing, reviewExit } from './closing.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import type { CadreRole, CompleteTaskArgs, HouseholdState } from './definitions.js';
import { isPatched } from './patches.js';
import { isDue, visitIntervalDays } from './schedule.js';
import {
  boundedMeasures,
  CLOCK_SKEW_MS,
  findingsOf,
  MAX_VISITS_KEPT,
  summariseVisit,
  VISIT_BEFORE_TASK_MS,
} from './visits.js';

export const VISIT_TASK_REASON = '定期入户走访：核查一超过、两不愁、三保障和饮水安全';

/** Visits alternate between the two cadres of the double assignment, from the 帮扶责任人. */
export function nextVisitorRole(state: HouseholdState): CadreRole {
  // The bounded list stops growing after MAX_VISITS_KEPT visits; older runs counted it all the same.
  const count = isPatched('visitAlternationByCount')
    ? (state.visitCount ?? state.visits.length)
    : state.visits.length;
  return count % 2 === 0 ? 'ASSISTANCE' : 'LEADER';
}

/** The cadre of the next visit (the other one while that role has none). */
function nextVisitor(state: HouseholdState): string {
  const { assistance, leader } = state.cadres;
  const first = nextVisitorRole(state) === 'ASSISTANCE' ? assistance : leader;
  return (first ?? assistance ?? leader)?.id ?? '';
}

/** Opens the scheduled visit when it is due; the cadence goes on from now. */
export async function openDueVisit(run: HouseholdRun, now: string) {
  const { state } = run;
  if (!isDue(state.nextVisitAt, now)) return;
  // A visit still open is not doubled.
  if (!state.openTasks.some((t) => t.kind !== 'FOLLOW_UP')) {
    await run.openTask('VISIT', nextVisitor(state), state.policy.visitTaskDueDays, VISIT_TASK_REASON);
  }
  state.nextVisitAt = addDays(now, visitIntervalDays(state, now));
}

/**
 * The record check: the update's VALIDATOR only. Validators do not run on replay, so the record's
 * schema (policy/visit-record.ts), its caps and zod itself may change freely: a record accepted
 * before the change is never re-judged. The handler takes the record as accepted (`acceptedRecord`).
 * Rule for future changes: a new limit goes into the schema, never into `acceptedRecord`; a change to
 * what the handler derives from a record (findings, summaries) goes behind patched().
 */
export function checkedRecord(
  state: HouseholdState,
  input: NonNullable<CompleteTaskArgs['record']>,
): VisitRecord {
  const checked = validateVisitRecord(state.policy, state.facts, input);
  if (!checked.ok)
    throw ApplicationFailure.nonRetryable(describeIssues(checked.issues), 'InvalidVisitRecord');
  return checked.value;
}

/**
 * A record the validator accepted, in the shape the schema gives it (trimmed text, empty lists and
 * notes filled in, unknown fields dropped). It never rejects: it must give the same result on
 * replay under any later schema, so it only fills in and never checks.
 */
export function acceptedRecord(input: VisitRecordInput, keepEvidence = false): VisitRecord {
  const guarantee = (g: { ok: boolean; note?: string | undefined }) =>
    g.note === undefined ? { ok: g.ok } : { ok: g.ok, note: g.note };
  const { food, clothing, education, medical, housing, water } = input.guarantees;
  return {
    visitedAt: input.visitedAt,
    visitorCadreId: input.visitorCadreId.trim(),
    perCapitaIncomeYuan: input.perCapitaIncomeYuan,
    guarantees: {
      food: guarantee(food),
      clothing: guarantee(clothing),
      education: guarantee(education),
      medical: guarantee(medical),
      housing: guarantee(housing),
      water: guarantee(water),
    },
    measures: (input.measures ?? []).map((m) => ({
      kind: m.kind,
      amountYuan: m.amountYuan,
      ...(m.persons === undefined ? {} : { persons: m.persons }),
    })),
    largeCosts: (input.largeCosts ?? []).map((c) => ({
      description: c.description.trim(),
      amountYuan: c.amountYuan,
      resolved: c.resolved,
    })),
    notes: input.notes ?? '',
    ...(keepEvidence && input.evidence ? { evidence: acceptedEvidence(input.evidence) } : {}),
  };
}

/** The evidence part of an accepted record: photo hashes and the location, never the photos. */
function acceptedEvidence(
  input: NonNullable<VisitRecordInput['evidence']>,
): NonNullable<VisitRecord['evidence']> {
  const { location, locationMissingReason } = input;
  return {
    photos: [...(input.photos ?? [])],
    ...(location
      ? {
          location: {
            latitude: location.latitude,
            longitude: location.longitude,
            accuracyMeters: location.accuracyMeters,
          },
        }
      : {}),
    ...(locationMissingReason === undefined ? {} : { locationMissingReason: locationMissingReason.trim() }),
  };
}

/** Who may complete which task: checked by the validator and again once the handler holds the lock. */
export function checkCompletion(run: HouseholdRun, args: CompleteTaskArgs) {
  const task = run.state.openTasks.find((t) => t.id === args?.taskId);
  if (!task) throw new Error('该任务不存在或已经办结');
  // The same rule the API applies before it sends the update (domain/access.ts).
  if (!mayCompleteTask(args.byCadreId, { assigneeId: task.assigneeId, householdCadreIds: run.cadreIds() }))
    throw new Error(ACCESS_MESSAGES.notYourTask);
  if (task.kind !== 'FOLLOW_UP' && !args.record) throw new Error('走访任务必须填写走访记录');
}

/** The submitted record: validator only (see `checkedRecord`). */
export function checkSubmittedRecord(run: HouseholdRun, args: CompleteTaskArgs) {
  const task = run.state.openTasks.find((t) => t.id === args.taskId);
  if (!task || !args.record) return;
  const record = checkedRecord(run.state, args.record);
  // The record speaks for the cadre who submits it, about a visit made for this task:
  // a backdated visit could fake the stable period.
  if (record.visitorCadreId !== args.byCadreId) throw new Error('走访记录只能由走访干部本人提交');
  const visited = parseInstant(record.visitedAt);
  if (visited < parseInstant(task.openedAt) - VISIT_BEFORE_TASK_MS)
    throw new Error('走访时间早于任务下达时间');
  if (visited > Date.now() + CLOCK_SKEW_MS) throw new Error('走访时间不能晚于现在');
}

export async function completeTask(run: HouseholdRun, args: CompleteTaskArgs) {
  const { state } = run;
  const task = state.openTasks.find((t) => t.id === args.taskId);
  if (!task) throw ApplicationFailure.nonRetryable('该任务不存在或已经办结', 'TaskNotOpen');
  const now = nowIso();
  // Evidence (photo hashes, location) is kept from the change on; a record without any replays as before.
  const keepEvidence = args.record?.evidence !== undefined && isPatched('visitEvidence');
  const record = args.record ? acceptedRecord(args.record, keepEvidence) : undefined;
  const escalatedTo = await acts.completeTask({
    taskId: task.id,
    byCadreId: args.byCadreId,
    at: now,
    ...(args.note ? { note: args.note } : {}),
    ...(record
      ? {
          visit: {
            record,
            compliant: isCompliantVisit(state.policy, record),
            policyVersion: state.policy.version,
            ...(record.evidence
              ? { farFromHomeMeters: visitEvidenceRules(state.policy).farFromHomeMeters }
              : {}),
          },
        }
      : {}),
  });
  state.openTasks = state.openTasks.filter((t) => t.id !== task.id);
  for (const leaderId of escalatedTo) {
    await run.notify({
      key: `${task.id}/done/${leaderId}`,
      kind: 'TASK_DONE',
      cadreId: leaderId,
      task: run.taskInfo(task),
    });
  }
  if (record) {
    // Totals are checked only for the kinds this visit recorded, so one passed cap does not
    // reopen a follow-up at every later visit (histories before this change re-check all kinds).
    const findings = findingsOf(state, record, {
      onlyKindsInVisit: isPatched('capKindsInVisit'),
      yearlyWindow: isPatched('capYearlyWindow'),
    });
    state.visitCount = (state.visitCount ?? state.visits.length) + 1;
    state.visits = [...state.visits, summariseVisit(task.id, record)].slice(-MAX_VISITS_KEPT);
    state.measures.push(...record.measures.map((m) => ({ ...m, visitedAt: record.visitedAt })));
    // Runs before the patch kept every measure: their state (and the query) grew with each visit.
    if (isPatched('boundedMeasures')) state.measures = boundedMeasures(state, record.visitedAt);
    for (const finding of findings) {
      const open = state.openTasks.some(
        (t) => t.findingKind === finding.kind && t.findingItem === finding.item,
      );
      if (open) continue;
      const assignee = state.cadres.assistance?.id ?? task.assigneeId;
      await run.openTask('FOLLOW_UP', assignee, finding.dueDays, finding.message, finding);
    }
    if (findings.length > 0) await abortClosing(run, 'workflow', '走访发现新的风险');
  }
  await reviewExit(run, now);
  return run.view();
}
