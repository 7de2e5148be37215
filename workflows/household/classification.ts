// The household's category and the policy it is judged by: either change may bring the next
// visit forward (never push it back) and re-judge the exit.
import { addDays, type HouseholdCategory, type Policy, parseInstant } from '../../policy/index.js';
import { reviewExit } from './closing.js';
import { type HouseholdRun, nowIso } from './context.js';
import { visitIntervalDays } from './schedule.js';

function bringNextVisitForward(run: HouseholdRun) {
  const { state } = run;
  const sooner = addDays(nowIso(), visitIntervalDays(state, nowIso()));
  if (parseInstant(sooner) < parseInstant(state.nextVisitAt)) state.nextVisitAt = sooner;
}

export async function changeCategory(
  run: HouseholdRun,
  { category, by }: { category: HouseholdCategory; by: string },
) {
  const { state } = run;
  const from = state.facts.category;
  state.facts = { ...state.facts, category };
  bringNextVisitForward(run);
  await run.change('CATEGORY_CHANGED', { category, detail: { from, to: category } }, by);
  return run.view();
}

export async function upgradePolicy(run: HouseholdRun, { policy, by }: { policy: Policy; by: string }) {
  const { state } = run;
  const from = state.policy.version;
  state.policy = policy;
  bringNextVisitForward(run);
  await run.change(
    'POLICY_UPGRADED',
    { policyVersion: policy.version, detail: { from, to: policy.version } },
    by,
  );
  await reviewExit(run, nowIso());
  return run.view();
}
