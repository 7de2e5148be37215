// Shock, pause, resume and cancel: changes to the course of supervision itself.
import { addDays, parseInstant } from '../../policy/index.js';
import { abortClosing } from './closing.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import type { CancelReason } from './definitions.js';
import { shiftedByPause } from './schedule.js';

export async function declareShock(run: HouseholdRun, { reason, by }: { reason: string; by: string }) {
  const { state } = run;
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
  const shifted = shiftedByPause(state, state.pausedAt, resumedAt);
  await acts.rescheduleTasks({ tasks: shifted.openTasks.map((t) => ({ id: t.id, dueAt: t.dueAt })) });
  const pausedHours = Math.round(pausedMs / 3_600_000);
  await run.change('RESUMED', { status: 'SUPERVISED', detail: { pausedHours } }, by);
  Object.assign(state, shifted);
  state.status = 'SUPERVISED';
  state.pausedAt = undefined;
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
  state.openTasks = [];
}
