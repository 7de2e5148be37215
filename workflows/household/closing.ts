// The closing procedure: from the exit criteria met, through each step's approval and the public
// notice, to 稳定脱贫 — or back to supervision when a step is refused, a new risk appears or a
// changed fact, category or policy means the household no longer qualifies.
import {
  assessStableExit,
  CLOSING_STEP_LABELS,
  CLOSING_STEPS,
  type ClosingStep,
  closingStepDeadline,
  isDecidedClosingStep,
  type StableExitAssessment,
} from '../../policy/rules.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import type { ClosingDecisionArgs, HouseholdState } from './definitions.js';
import { isPatched } from './patches.js';
import { closingOverdueAt, isDue, publicNoticeEndsAt } from './schedule.js';
import { exitVisits } from './visits.js';

function assess(state: HouseholdState, now: string): StableExitAssessment {
  return assessStableExit(state.policy, {
    admittedAt: state.admittedAt,
    now,
    visits: exitVisits(state.policy, state.visits),
    openFollowUps: state.openTasks.filter((t) => t.kind === 'FOLLOW_UP').length,
    hasLabour: state.facts.hasLabour,
    labourClass: state.facts.labourClass,
  });
}

/** Re-judges the exit criteria; a supervised household that meets them starts closing. */
export async function reviewExit(run: HouseholdRun, now: string) {
  const { state } = run;
  const assessment = assess(state, now);
  state.exitCriteria = assessment.criteria;
  if (assessment.eligible && state.status === 'SUPERVISED') {
    state.status = 'CLOSING';
    state.closing = {
      step: 'VILLAGE_REVIEW',
      stepStartedAt: now,
      steps: [],
      criteria: assessment.criteria,
    };
    // Closings started before this change told nobody when a step started or ran late.
    if (isPatched('closingStepDeadlines')) state.closing.notices = true;
    await run.change('CLOSING_STARTED', { status: 'CLOSING' });
    await announceStep(run);
  }
}

/**
 * A fact, the category or the policy changed during the closing procedure: it goes on only while
 * every exit criterion still holds; otherwise it stops, saying which no longer does.
 */
export async function recheckClosing(run: HouseholdRun, by: string, cause: string) {
  const { state } = run;
  if (state.status !== 'CLOSING') return;
  const assessment = assess(state, nowIso());
  state.exitCriteria = assessment.criteria;
  if (assessment.eligible) return;
  const unmet = assessment.criteria.filter((c) => !c.met).map((c) => `${c.label}（${c.detail}）`);
  await abortClosing(run, by, `${cause}，不再符合退出条件：${unmet.join('；')}`);
}

export async function abortClosing(run: HouseholdRun, by: string, note: string) {
  const { state } = run;
  if (state.status !== 'CLOSING') return;
  state.status = 'SUPERVISED';
  const step = state.closing?.step ?? '';
  state.closing = undefined;
  await run.change('CLOSING_ABORTED', { status: 'SUPERVISED', detail: { step, note } }, by);
}

/** The public notice ends by itself when its days have passed without objection. */
export async function endPublicNoticeIfDue(run: HouseholdRun, now: string) {
  if (isDue(publicNoticeEndsAt(run.state), now))
    await completeClosingStep(run, 'PUBLIC_NOTICE', 'system', '公示期满，无异议');
}

/** The step's approvers of `rung` (0 = those who decide it), each told once under `key`. */
async function tellApprovers(
  run: HouseholdRun,
  rung: number,
  kind: 'CLOSING_STEP_STARTED' | 'CLOSING_STEP_OVERDUE',
  key: string,
) {
  const { state } = run;
  const closing = state.closing;
  if (!closing || !isDecidedClosingStep(closing.step)) return;
  const step = closing.step;
  const recipients = await run.survive('closingStepRecipients', () =>
    acts.closingStepRecipients({
      householdId: state.householdId,
      step,
      rung,
      householdCadreIds: run.cadreIds(),
    }),
  );
  for (const cadre of recipients ?? []) {
    await run.notify({
      key: `${key}/${cadre.id}`,
      kind,
      cadreId: cadre.id,
      closing: {
        stepLabel: CLOSING_STEP_LABELS[closing.step],
        startedAt: closing.stepStartedAt,
        deadline: closingStepDeadline(state.policy, closing.step, closing.stepStartedAt) ?? '',
        overdueRung: rung + 1,
      },
    });
  }
}

const stepKey = (state: HouseholdState) =>
  `${state.workflowId}/${state.chainId}/closing/${state.closing?.step}/${state.closing?.stepStartedAt}`;

/** A decided step has started: those who decide it are told. */
async function announceStep(run: HouseholdRun) {
  const closing = run.state.closing;
  if (!closing?.notices) return;
  await tellApprovers(run, 0, 'CLOSING_STEP_STARTED', `${stepKey(run.state)}/started`);
}

/**
 * Under a policy with closing deadlines, a step past its deadline is reported to its approvers,
 * then one rung further up every grace period, until it is decided.
 */
export async function remindOverdueClosingStep(run: HouseholdRun, now: string) {
  const { state } = run;
  for (;;) {
    const closing = state.closing;
    if (state.status !== 'CLOSING' || !closing?.notices) return;
    const sent = closing.overdueNotices ?? 0;
    if (!isDue(closingOverdueAt(state), now)) return;
    closing.overdueNotices = sent + 1;
    await tellApprovers(run, sent, 'CLOSING_STEP_OVERDUE', `${stepKey(state)}/overdue/${sent}`);
  }
}

export async function decideClosingStep(run: HouseholdRun, args: ClosingDecisionArgs) {
  if (args.approved) await completeClosingStep(run, args.step, args.by, args.note);
  else await abortClosing(run, args.by, `${args.step}：${args.note}`);
}

/** The decideClosingStep validator's rule on who: the 乡镇审核 and the 县级审批 need two people. */
export function checkClosingDecider(state: HouseholdState, args: ClosingDecisionArgs) {
  if (args.step !== 'COUNTY_APPROVAL' || !args.approved) return;
  const township = state.closing?.steps.find((s) => s.step === 'TOWNSHIP_REVIEW');
  if (township && township.by === args.by)
    throw new Error('同一人不能既做乡镇审核又做县级审批，请由县级审批人审批');
}

async function completeClosingStep(run: HouseholdRun, step: ClosingStep, by: string, note: string) {
  const { state } = run;
  const closing = state.closing;
  if (!closing || closing.step !== step) return;
  const now = nowIso();
  closing.steps.push({ step, startedAt: closing.stepStartedAt, completedAt: now, by, note });
  const next = CLOSING_STEPS[CLOSING_STEPS.indexOf(step) + 1];
  if (next) {
    closing.step = next;
    closing.stepStartedAt = now;
    if (closing.notices) closing.overdueNotices = 0;
    await run.change('CLOSING_STEP_DONE', { detail: { step, next, note } }, by);
    await announceStep(run);
    return;
  }
  await acts.endSupervision({
    householdId: state.householdId,
    workflowId: state.workflowId,
    key: `${state.workflowId}/${state.chainId}/exit`,
    actor: by,
    action: 'STABLY_OUT',
    status: 'STABLY_OUT',
    at: now,
    exit: {
      id: `${state.workflowId}/${state.chainId}/exit`,
      criteria: closing.criteria,
      steps: closing.steps,
    },
  });
  state.status = 'STABLY_OUT';
  state.openTasks = [];
  for (const cadreId of run.cadreIds()) {
    await run.notify({
      key: `${state.workflowId}/${state.chainId}/exit/${cadreId}`,
      kind: 'STABLE_EXIT',
      cadreId,
    });
  }
}
