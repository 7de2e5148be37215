// Admission: the household's facts and its two cadres; the first visit is due at once.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { ASSIGNMENT_ROLE_LABELS, addDays } from '../../policy/rules.js';
import { permanentFailure } from '../permanent-failure.js';
import { acts, admissionFirstTry, type HouseholdRun, householdActivityOptions, nowIso } from './context.js';
import { type HouseholdState, type HouseholdWorkflowInput, householdWorkflowId } from './definitions.js';
import { isPatched } from './patches.js';
import { visitIntervalDays } from './schedule.js';
import { nextVisitorRole, VISIT_TASK_REASON } from './visit-handling.js';

/** The state before admission: the start arguments only; facts are read by `admit`. */
export function admitting(start: HouseholdWorkflowInput): HouseholdState {
  const now = nowIso();
  return {
    householdId: start.householdId,
    workflowId: householdWorkflowId(start.householdId),
    chainId: workflowInfo().firstExecutionRunId.slice(0, 8),
    policy: start.policy,
    facts: { category: 'MARGINAL', memberCount: 1, labourClass: 'CLASS_3', hasLabour: true }, // until loaded
    status: 'ADMITTING',
    admittedAt: now,
    cadres: {},
    seq: 0,
    openTasks: [],
    nextVisitAt: now,
    visits: [],
    measures: [],
    exitCriteria: [],
  };
}

export async function admit(run: HouseholdRun) {
  // A cancel that came with the start took the lock before the admission did (its handler runs as it
  // is registered): the household is cancelled, and is not admitted after all.
  if (run.state.status !== 'ADMITTING' && isPatched('cancelEndsPairingWait')) return;
  if (isPatched('admissionInOneActivity')) return admitInOneActivity(run);
  if (isPatched('oneWritePerTransition')) return admitInOneWrite(run);
  const { state } = run;
  const { workflowId, chainId, householdId } = state;
  state.facts = await acts.loadHousehold({ householdId });
  const now = nowIso();
  const cadres = await waitForPairing(run, { householdId, key: pairingKey(state), at: now });
  if (!cadres) return; // a cancel ended the wait
  state.cadres = cadres;
  state.admittedAt = now;
  state.nextVisitAt = now;
  await acts.updateHousehold({
    householdId,
    workflowId,
    key: `${workflowId}/${chainId}/admitted`,
    actor: 'workflow',
    action: 'SUPERVISION_STARTED',
    status: 'SUPERVISED',
    policyVersion: state.policy.version,
    at: now,
    detail: { assistance: cadres.assistance.id, leader: cadres.leader.id },
  });
  // Supervised as soon as the ledger says so: an update arriving while the cadres are being told
  // is judged on the household's real state (it waits for the lock all the same).
  state.status = 'SUPERVISED';
  for (const role of ['ASSISTANCE', 'LEADER'] as const) {
    const cadre = role === 'ASSISTANCE' ? cadres.assistance : cadres.leader;
    await run.notify({
      key: `${workflowId}/${chainId}/assigned/${role}`,
      kind: 'ASSIGNED',
      cadreId: cadre.id,
      role: ASSIGNMENT_ROLE_LABELS[role],
    });
  }
}

/**
 * The same admission in two activities: the pairing (an activity task: it waits for the pairing
 * lock), then one local write of everything else (activities/admission.ts `recordAdmission`),
 * which also answers the facts and the village. Before: eight activities, one after the other.
 */
async function admitInOneWrite(run: HouseholdRun) {
  const { state } = run;
  const { workflowId, chainId, householdId } = state;
  const now = nowIso();
  const cadres = await waitForPairing(run, { householdId, key: pairingKey(state), at: now });
  if (!cadres) return; // a cancel ended the wait
  const admitted = await acts.recordAdmission({
    change: {
      ...supervisionStarted(state, now),
      detail: { assistance: cadres.assistance.id, leader: cadres.leader.id },
    },
    notices: (['ASSISTANCE', 'LEADER'] as const).map((role) => ({
      key: `${workflowId}/${chainId}/assigned/${role}`,
      kind: 'ASSIGNED',
      cadreId: role === 'ASSISTANCE' ? cadres.assistance.id : cadres.leader.id,
      householdId,
      role: ASSIGNMENT_ROLE_LABELS[role],
    })),
  });
  state.facts = admitted.facts;
  state.village = admitted.village;
  state.cadres = cadres;
  state.admittedAt = now;
  state.nextVisitAt = now;
  state.status = 'SUPERVISED';
}

/**
 * The whole admission in one local activity (activities/admission.ts `admitHousehold`): the pairing,
 * the household supervised, both ASSIGNED notices, and the first visit task (due at once, as the
 * loop would open it) with its notice. One workflow task from start to sleep, where the pairing's
 * activity task, its workflow task and then two local writes took three or four.
 *
 * A pairing that cannot be made within the first try's few attempts (a village with no 帮扶责任人,
 * a township with no leader: an admin adds one, and the pairing goes on by itself) waits as an
 * activity task (context.ts), then the admission is written, dated when it happens. A cancel ends
 * the wait (`cancelMeetingAdmission`): the household is cancelled, never admitted.
 */
async function admitInOneActivity(run: HouseholdRun) {
  const { state } = run;
  const seq = state.seq;
  try {
    await admitNow(run, admissionFirstTry.admitHousehold);
  } catch (error) {
    if (!worthWaiting(error)) throw error;
    // The same task id again: if the first try's write did commit, the retry finds its rows (keyed)
    // and admitHousehold answers the dates they hold.
    state.seq = seq;
    await admitAfterWaiting(run);
  }
}

/** The pairing waited for as an activity task, then the rest of the admission written. */
async function admitAfterWaiting(run: HouseholdRun) {
  const { state } = run;
  const pairing = { householdId: state.householdId, key: pairingKey(state), at: nowIso() };
  if (!(await waitForPairing(run, pairing))) return; // a cancel ended the wait
  // The pairing is made: admitHousehold finds it (keyed) and writes the rest.
  await admitNow(run, acts.admitHousehold);
}

/**
 * The pairing's wait, as `acts.assignCadres` (an activity task, context.ts), but cancellable, and
 * WAIT_CANCELLATION_COMPLETED, deliberately (said here: left out, the command carries TRY_CANCEL):
 * the cancel goes on only once the server says the activity has ended. A wait spends nearly all its
 * time between attempts, where the server ends it at once. An attempt in flight never hears of the
 * cancel (it does not heartbeat): it runs to its end, milliseconds as a rule, its 20 s limit at most,
 * and is not retried. Whatever it did is settled before the cancel writes: if it committed the
 * pairing, the household is still not admitted (a cancel was asked: no notice, no task) and
 * endSupervision ends its Assignment rows with the rest. TRY_CANCEL would let the cancel write first
 * and the attempt commit after it, its cadres left paired (and loaded) with a cancelled household;
 * ABANDON would not tell the server, which would go on retrying. The pairing also refuses once its
 * run's cancel is written (activities/assignment.ts), for an attempt that outlives its limit.
 */
const pairingWait = proxyActivities<Activities>({
  ...householdActivityOptions,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * The admission's wait for its pairing (every admission path's), in a scope a cancel ends. Answers
 * the cadres, or undefined when a cancel ended the wait or arrived before it began: the admission
 * then stops with nothing of it written, and the cancel, next to take the lock, ends the household.
 */
async function waitForPairing(
  run: HouseholdRun,
  pairing: Parameters<typeof acts.assignCadres>[0],
): Promise<Awaited<ReturnType<typeof acts.assignCadres>> | undefined> {
  // A cancel that arrived during the first try waits for the lock: no wait to begin.
  if (run.cancelDuringAdmission && isPatched('cancelEndsPairingWait')) return undefined;
  const wait = { scope: new CancellationScope(), endedByCancel: false };
  run.pairingWait = wait;
  try {
    const cadres = await wait.scope.run(() => pairingWait.assignCadres(pairing));
    // An attempt in flight paired the household all the same: the cancel ends that pairing.
    return wait.endedByCancel ? undefined : cadres;
  } catch (error) {
    // Cancelled, or the attempt in flight failed or timed out (not retried once cancelled).
    if (wait.endedByCancel) return undefined;
    throw error;
  } finally {
    run.pairingWait = undefined;
  }
}

/**
 * A cancel's handling (update and signal, workflow.ts), told to the admission as it arrives, before it
 * waits for the household's lock. An admission waiting for its pairing holds that lock until an admin
 * adds the cadre it lacks, days maybe: the wait ends now, and the cancel runs next. The patch is asked
 * only when a cancel meets the admission (here, in `waitForPairing` and in `admit`); a history
 * recorded before it replays its cancel waiting as it did.
 */
export async function cancelMeetingAdmission<T>(run: HouseholdRun, cancel: () => Promise<T>): Promise<T> {
  cancelArrived(run);
  run.cancelsPending += 1;
  try {
    return await cancel();
  } finally {
    run.cancelsPending -= 1;
  }
}

function cancelArrived(run: HouseholdRun): void {
  if (run.state.status !== 'ADMITTING') return;
  run.cancelDuringAdmission = true;
  const wait = run.pairingWait;
  if (!wait || wait.endedByCancel || !isPatched('cancelEndsPairingWait')) return;
  wait.endedByCancel = true;
  wait.scope.cancel();
}

/**
 * The admission, under the household's lock. One a cancel ended leaves the household to the cancel;
 * should every cancel sent fail for good (its write refused), the household is admitted after all
 * rather than left waiting for nothing, never admitted and never cancelled.
 */
export async function admitUnlessCancelled(run: HouseholdRun): Promise<void> {
  await run.exclusive(() => admit(run));
  while (run.state.status === 'ADMITTING' && run.cancelDuringAdmission) {
    await condition(() => run.cancelsPending === 0);
    if (run.state.status !== 'ADMITTING') return;
    run.cancelDuringAdmission = false;
    // Back to the wait, as an activity task from the start (not the first try's local attempts, which
    // would hold this workflow task, and the refused cancel's answer with it, for seconds).
    await run.exclusive(() => (isPatched('admissionInOneActivity') ? admitAfterWaiting(run) : admit(run)));
  }
}

/**
 * The first try's failure that waiting can heal: a refusal to be retried (no cadre to pair yet,
 * PostgreSQL away) or a timed-out attempt, whether the SDK hands it wrapped in an ActivityFailure
 * (live) or bare (a local activity's failure, and one read back from its marker on replay). Not a
 * cancellation of the household, a refusal for good, or a fault in the workflow's own code.
 */
function worthWaiting(error: unknown): boolean {
  if (isCancellation(error)) return false;
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure) return true;
  return cause instanceof ApplicationFailure && !permanentFailure(cause);
}

/** The SUPERVISION_STARTED change: the household supervised under its policy, its audit row keyed. */
const supervisionStarted = (state: HouseholdState, at: string) => ({
  householdId: state.householdId,
  workflowId: state.workflowId,
  key: `${state.workflowId}/${state.chainId}/admitted`,
  actor: 'workflow',
  action: 'SUPERVISION_STARTED',
  status: 'SUPERVISED' as const,
  policyVersion: state.policy.version,
  at,
});

const pairingKey = (state: HouseholdState) => `${state.workflowId}/${state.chainId}`;

async function admitNow(run: HouseholdRun, admitHousehold: typeof acts.admitHousehold) {
  const { state } = run;
  const { workflowId, chainId, householdId } = state;
  const now = nowIso();
  // Visits alternate from the 帮扶责任人; the task's assignee is whoever the pairing gives that role.
  const role = nextVisitorRole(state);
  const visit = run.newTask('VISIT', '', state.policy.visitTaskDueDays, VISIT_TASK_REASON);
  const { task, notice } = run.taskOpening(visit);
  const { assigneeId: _a, ...taskRow } = task;
  const { cadreId: _c, ...taskNotice } = notice;
  const admitted = await admitHousehold({
    pairing: { householdId, key: pairingKey(state), at: now },
    change: supervisionStarted(state, now),
    notices: (['ASSISTANCE', 'LEADER'] as const).map((to) => ({
      key: `${workflowId}/${chainId}/assigned/${to}`,
      kind: 'ASSIGNED',
      recipient: to,
      householdId,
      role: ASSIGNMENT_ROLE_LABELS[to],
    })),
    firstTask: {
      task: { ...taskRow, recipient: role },
      notice: { ...taskNotice, recipient: role },
    },
  });
  state.facts = admitted.facts;
  state.village = admitted.village;
  state.cadres = admitted.cadres;
  // The task as the ledger holds it (this attempt's, or an earlier one's whose write committed), so
  // the reminders and the ladder go by the cadre and the due date the pages show.
  state.admittedAt = admitted.admittedAt;
  state.status = 'SUPERVISED';
  const { assigneeId, openedAt, dueAt } = admitted.firstTask;
  state.openTasks.push({ ...visit, assigneeId, openedAt, dueAt });
  // The cadence goes on from the visit's opening, as openDueVisit's does (the loop runs later: a
  // local activity moves the workflow's clock on).
  state.nextVisitAt = addDays(openedAt, visitIntervalDays(state, openedAt));
}
