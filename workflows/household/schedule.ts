// When the household workflow must next wake up, and what is due then. Pure functions of the state
// and workflow time, so the loop in workflow.ts stays small and these rules are unit-tested alone.
import {
  addDays,
  addHours,
  type EscalationStep,
  escalationSchedule,
  nextClosingOverdueAt,
  parseInstant,
} from '../../policy/rules.js';
import type { HouseholdState, OpenTask } from './definitions.js';

/** Days between scheduled visits: the category's cadence, shortened while a declared shock lasts. */
export function visitIntervalDays(state: HouseholdState, nowIso: string): number {
  const regular = state.policy.visitEveryDays[state.facts.category];
  const shocked = state.shockUntil !== undefined && parseInstant(nowIso) < parseInstant(state.shockUntil);
  return shocked ? Math.min(regular, state.policy.shock.extraVisitEveryDays) : regular;
}

/** Reminder time, or undefined when the task is too short for one (reminder would precede it). */
export function reminderAt(state: Pick<HouseholdState, 'policy'>, task: OpenTask): string | undefined {
  const at = addHours(task.dueAt, -state.policy.reminderLeadHours);
  return parseInstant(at) > parseInstant(task.openedAt) ? at : undefined;
}

/** The next rung of the ladder for an open task (rung n+1 = the ladder's n-th step), if any is left. */
export function nextEscalation(
  state: Pick<HouseholdState, 'policy'>,
  task: OpenTask,
): { step: EscalationStep; at: string } | undefined {
  const step = escalationSchedule(state.policy)[task.rung];
  return step ? { step, at: addHours(task.dueAt, step.hoursAfterDue) } : undefined;
}

export function publicNoticeEndsAt(state: HouseholdState): string | undefined {
  const closing = state.closing;
  if (closing?.step !== 'PUBLIC_NOTICE') return undefined;
  return addDays(closing.stepStartedAt, state.policy.closingProcedureDays.PUBLIC_NOTICE);
}

/** When the next overdue notice of the closing step is due, if any (closings with notices only). */
export function closingOverdueAt(state: HouseholdState): string | undefined {
  const closing = state.closing;
  if (state.status !== 'CLOSING' || !closing?.notices) return undefined;
  return nextClosingOverdueAt(state.policy, closing.step, closing.stepStartedAt, closing.overdueNotices ?? 0);
}

const isActive = (state: HouseholdState) => state.status === 'SUPERVISED' || state.status === 'CLOSING';

/** The earliest moment something becomes due; undefined = nothing until a signal or update. */
export function nextWakeAt(state: HouseholdState): string | undefined {
  if (!isActive(state)) return undefined;
  const times: string[] = [state.nextVisitAt];
  for (const task of state.openTasks) {
    const reminder = task.reminded ? undefined : reminderAt(state, task);
    if (reminder) times.push(reminder);
    const escalation = nextEscalation(state, task);
    if (escalation) times.push(escalation.at);
  }
  const notice = publicNoticeEndsAt(state);
  if (notice) times.push(notice);
  const overdue = closingOverdueAt(state);
  if (overdue) times.push(overdue);
  return times.reduce((a, b) => (parseInstant(a) <= parseInstant(b) ? a : b));
}

export const isDue = (at: string | undefined, nowIso: string) =>
  at !== undefined && parseInstant(at) <= parseInstant(nowIso);

/**
 * After a pause, every clock moves on by the time it stood still: a task's due date by the part of
 * the pause it lived through (one opened during the pause, by less), the next visit and the end of a
 * shock by the whole pause.
 */
export function shiftedByPause(
  state: HouseholdState,
  pausedAtIso: string,
  resumedAtIso: string,
): Pick<HouseholdState, 'openTasks' | 'nextVisitAt' | 'shockUntil'> {
  const resumedAt = parseInstant(resumedAtIso);
  const pausedAt = parseInstant(pausedAtIso);
  const shift = (iso: string, fromMs: number) =>
    new Date(parseInstant(iso) + Math.max(0, resumedAt - fromMs)).toISOString();
  return {
    nextVisitAt: shift(state.nextVisitAt, pausedAt),
    openTasks: state.openTasks.map((t) => ({
      ...t,
      dueAt: shift(t.dueAt, Math.max(pausedAt, parseInstant(t.openedAt))),
    })),
    ...(state.shockUntil ? { shockUntil: shift(state.shockUntil, pausedAt) } : {}),
  };
}

/**
 * The shift of runs resumed before `pause-shift-lived-through`: every due date and the next visit by
 * the whole pause, the end of a shock not at all. Kept so their histories replay unchanged.
 */
export function shiftedByWholePause(
  state: HouseholdState,
  pausedMs: number,
): Pick<HouseholdState, 'openTasks' | 'nextVisitAt'> {
  const shift = (iso: string) => new Date(parseInstant(iso) + pausedMs).toISOString();
  return {
    nextVisitAt: shift(state.nextVisitAt),
    openTasks: state.openTasks.map((t) => ({ ...t, dueAt: shift(t.dueAt) })),
  };
}
