// The closing procedure: from the exit criteria met, through each step's approval and the public
// notice, to 稳定脱贫 — or back to supervision when a step is refused or a new risk appears.
import { assessStableExit, CLOSING_STEPS, type ClosingStep } from '../../policy/index.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import type { ClosingDecisionArgs } from './definitions.js';
import { isDue, publicNoticeEndsAt } from './schedule.js';
import { exitVisits } from './visits.js';

/** Re-judges the exit criteria; a supervised household that meets them starts closing. */
export async function reviewExit(run: HouseholdRun, now: string) {
  const { state } = run;
  const assessment = assessStableExit(state.policy, {
    admittedAt: state.admittedAt,
    now,
    visits: exitVisits(state.policy, state.visits),
    openFollowUps: state.openTasks.filter((t) => t.kind === 'FOLLOW_UP').length,
    hasLabour: state.facts.hasLabour,
    labourClass: state.facts.labourClass,
  });
  state.exitCriteria = assessment.criteria;
  if (assessment.eligible && state.status === 'SUPERVISED') {
    state.status = 'CLOSING';
    state.closing = {
      step: 'VILLAGE_REVIEW',
      stepStartedAt: now,
      steps: [],
      criteria: assessment.criteria,
    };
    await run.change('CLOSING_STARTED', { status: 'CLOSING' });
  }
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

export async function decideClosingStep(run: HouseholdRun, args: ClosingDecisionArgs) {
  if (args.approved) await completeClosingStep(run, args.step, args.by, args.note);
  else await abortClosing(run, args.by, `${args.step}：${args.note}`);
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
    await run.change('CLOSING_STEP_DONE', { detail: { step, next, note } }, by);
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
