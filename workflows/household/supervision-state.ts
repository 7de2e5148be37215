// Shock, pause, resume and cancel: changes to the course of supervision itself.
import { addDays, parseInstant } from '../../policy/rules.js';
import { abortClosing } from './closing.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import type { CancelReason, HouseholdState } from './definitions.js';
import { isPatched } from './patches.js';
import { shiftedByPause, shiftedByWholePause } from './schedule.js';

/** Refuses any change to a household whose supervision has ended or not yet begun. */
export function checkActive(state: HouseholdState) {
  if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') throw new Error('该户已结束挂牌督战');
  if (state.status === 'ADMITTING') throw new Error('该户正在纳入督战、分配帮扶干部，请稍后再试');
}

export function checkPause(state: HouseholdState) {
  checkActive(state);
  if (state.status === 'PAUSED') throw new Error('该户已经暂停督战');
  // The closing procedure has its own way back (an objection or a refused step), and its public
  // notice must not silently stand still.
  if (state.status === 'CLOSING') throw new Error('该户正在退出程序中，不能暂停；如有异议请在退出程序中提出');
}

export function checkResume(state: HouseholdState) {
  checkActive(state);
  if (state.status !== 'PAUSED') throw new Error('该户没有暂停督战，无需恢复');
}

export function checkCancel(state: HouseholdState) {
  if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') throw new Error('该户已结束挂牌督战');
}

export async function declareShock(run: HouseholdRun, { reason, by }: { reason: string; by: string }) {
  const { state } = run;
  if (state.status === 'PAUSED' && isPatched('shockKeptWhilePaused')) {
    // Every clock stands still while paused: the shock waits and starts its period at resume.
    state.pendingShock = { reason, by };
    await run.change('SHOCK_DEFERRED', { detail: { reason } }, by);
    return;
  }
  if (state.status !== 'SUPERVISED' && state.status !== 'CLOSING') return;
  const now = nowIso();
  state.shockUntil = addDays(now, state.policy.shock.durationDays);
  state.nextVisitAt = now; // re-check the household at once, then at the shock's cadence
  await run.change('SHOCK_DECLARED', { detail: { reason, until: state.shockUntil } }, by);
  await abortClosing(run, by, `突发风险：${reason}`);
}

// State changes after the writes, so a query never shows what the ledger does not have yet.
export async function pause(run: HouseholdRun, { reason, by }: { reason: string; by: string }) {
  const { state } = run;
  if (state.status !== 'SUPERVISED') return;
  const pausedAt = nowIso();
  await run.change('PAUSED', { status: 'PAUSED', detail: { reason } }, by);
  state.status = 'PAUSED';
  state.pausedAt = pausedAt;
}

export async function resume(run: HouseholdRun, { by }: { by: string }) {
  const { state } = run;
  if (state.status !== 'PAUSED' || !state.pausedAt) return;
  const resumedAt = nowIso();
  const pausedMs = parseInstant(resumedAt) - parseInstant(state.pausedAt);
  // Runs resumed before the patch shifted everything by the whole pause and left shockUntil alone.
  const shifted = isPatched('pauseShiftLivedThrough')
    ? shiftedByPause(state, state.pausedAt, resumedAt)
    : shiftedByWholePause(state, pausedMs);
  const tasks = shifted.openTasks.map((t) => ({ id: t.id, dueAt: t.dueAt }));
  await run.survive('rescheduleTasks', () => acts.rescheduleTasks({ tasks }));
  const pausedHours = Math.round(pausedMs / 3_600_000);
  await run.change('RESUMED', { status: 'SUPERVISED', detail: { pausedHours } }, by);
  Object.assign(state, shifted);
  state.status = 'SUPERVISED';
  state.pausedAt = undefined;
  const shock = state.pendingShock;
  if (shock) {
    state.pendingShock = undefined;
    await declareShock(run, shock);
  }
}

export async function cancelSupervision(
  run: HouseholdRun,
  { reason, note, by }: { reason: CancelReason; note: string; by: string },
) {
  const { state } = run;
  if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') return;
  await acts.endSupervision({
    householdId: state.householdId,
    workflowId: state.workflowId,
    key: `${state.workflowId}/${state.chainId}/cancelled`,
    actor: by,
    action: 'SUPERVISION_CANCELLED',
    status: 'CANCELLED',
    at: nowIso(),
    detail: { reason, note },
  });
  state.status = 'CANCELLED';
  state.cancelReason = `${reason}${note ? `：${note}` : ''}`;
  state.pendingShock = undefined;
  state.openTasks = [];
}
