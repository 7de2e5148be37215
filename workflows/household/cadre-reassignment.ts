// A cadre replaced: the open tasks follow the new one, who gets a handover visit.
import { ASSIGNMENT_ROLE_LABELS } from '../../policy/rules.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import type { CadreRef, ReassignCadreArgs } from './definitions.js';

export async function reassignCadre(run: HouseholdRun, args: ReassignCadreArgs) {
  const { state } = run;
  const previous = state.cadres[args.role === 'ASSISTANCE' ? 'assistance' : 'leader'];
  const moved = state.openTasks.filter((t) => t.assigneeId === previous?.id);
  const cadre: CadreRef = await acts.reassignCadre({
    householdId: state.householdId,
    role: args.role,
    toCadreId: args.cadreId,
    key: `${state.workflowId}/${state.chainId}/assign/${++state.seq}`,
    at: nowIso(),
    taskIds: moved.map((t) => t.id),
  });
  if (args.role === 'ASSISTANCE') state.cadres.assistance = cadre;
  else state.cadres.leader = cadre;
  for (const task of moved) task.assigneeId = cadre.id;
  await run.change(
    'CADRE_REASSIGNED',
    { detail: { role: args.role, from: previous?.id ?? null, to: cadre.id, reason: args.reason } },
    args.by,
  );
  await run.notify({
    key: `${state.workflowId}/${state.chainId}/assigned/${state.seq}`,
    kind: 'ASSIGNED',
    cadreId: cadre.id,
    role: ASSIGNMENT_ROLE_LABELS[args.role],
  });
  const reason = `交接走访：接替${previous?.name ?? '原帮扶干部'}，入户了解情况`;
  await run.openTask('HANDOVER', cadre.id, state.policy.visitTaskDueDays, reason);
  return run.view();
}
