// Admission: the household's facts and its two cadres; the first visit is due at once.
import { workflowInfo } from '@temporalio/workflow';
import { ASSIGNMENT_ROLE_LABELS, addDays } from '../../policy/rules.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import {
  type CadreRole,
  type HouseholdState,
  type HouseholdWorkflowInput,
  householdWorkflowId,
} from './definitions.js';
import { isPatched } from './patches.js';
import { visitIntervalDays } from './schedule.js';
import { VISIT_TASK_REASON } from './visit-handling.js';

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
  if (isPatched('admissionInOneActivity')) return admitInOneActivity(run);
  if (isPatched('oneWritePerTransition')) return admitInOneWrite(run);
  const { state } = run;
  const { workflowId, chainId, householdId } = state;
  state.facts = await acts.loadHousehold({ householdId });
  const now = nowIso();
  const cadres = await acts.assignCadres({ householdId, key: `${workflowId}/${chainId}`, at: now });
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
 * lock), then one local write of everything else (activities/transitions.ts `recordAdmission`),
 * which also answers the facts and the village. Before: eight activities, one after the other.
 */
async function admitInOneWrite(run: HouseholdRun) {
  const { state } = run;
  const { workflowId, chainId, householdId } = state;
  const now = nowIso();
  const cadres = await acts.assignCadres({ householdId, key: `${workflowId}/${chainId}`, at: now });
  const admitted = await acts.recordAdmission({
    change: {
      householdId,
      workflowId,
      key: `${workflowId}/${chainId}/admitted`,
      actor: 'workflow',
      action: 'SUPERVISION_STARTED',
      status: 'SUPERVISED',
      policyVersion: state.policy.version,
      at: now,
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

/** Who makes the first visit: visits alternate from the 帮扶责任人 (visit-handling.ts nextVisitor). */
const FIRST_VISITOR: CadreRole = 'ASSISTANCE';

/**
 * The whole admission in one local activity (activities/admission.ts `admitHousehold`): the pairing,
 * the household supervised, both ASSIGNED notices, and the first visit task (due at once, as the
 * loop would open it) with its notice. One workflow task from start to sleep, where the pairing's
 * activity task, its workflow task and then two local writes took three or four.
 */
async function admitInOneActivity(run: HouseholdRun) {
  const { state } = run;
  const { workflowId, chainId, householdId } = state;
  const now = nowIso();
  // The first visit's assignee is whoever the pairing makes its role's cadre: filled in below.
  const visit = run.newTask('VISIT', '', state.policy.visitTaskDueDays, VISIT_TASK_REASON);
  const { task, notice } = run.taskOpening(visit);
  const { assigneeId: _a, ...taskRow } = task;
  const { cadreId: _c, ...taskNotice } = notice;
  const admitted = await acts.admitHousehold({
    pairing: { householdId, key: `${workflowId}/${chainId}`, at: now },
    change: {
      householdId,
      workflowId,
      key: `${workflowId}/${chainId}/admitted`,
      actor: 'workflow',
      action: 'SUPERVISION_STARTED',
      status: 'SUPERVISED',
      policyVersion: state.policy.version,
      at: now,
    },
    notices: (['ASSISTANCE', 'LEADER'] as const).map((role) => ({
      key: `${workflowId}/${chainId}/assigned/${role}`,
      kind: 'ASSIGNED',
      recipient: role,
      householdId,
      role: ASSIGNMENT_ROLE_LABELS[role],
    })),
    firstTask: {
      task: { ...taskRow, recipient: FIRST_VISITOR },
      notice: { ...taskNotice, recipient: FIRST_VISITOR },
    },
  });
  const { cadres } = admitted;
  state.facts = admitted.facts;
  state.village = admitted.village;
  state.cadres = cadres;
  state.admittedAt = now;
  state.status = 'SUPERVISED';
  state.openTasks.push({
    ...visit,
    assigneeId: FIRST_VISITOR === 'ASSISTANCE' ? cadres.assistance.id : cadres.leader.id,
  });
  // As openDueVisit does once the visit is open: the cadence goes on from now (with the facts read).
  state.nextVisitAt = addDays(now, visitIntervalDays(state, now));
}
