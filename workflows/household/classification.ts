// The household's category and the policy it is judged by: either change may bring the next
// visit forward (never push it back), re-judges the exit and re-checks a closing in progress.
import {
  addDays,
  type HouseholdCategory,
  incomeBelowLine,
  type Policy,
  parseInstant,
} from '../../policy/rules.js';
import { recheckClosing, reviewExit } from './closing.js';
import { type HouseholdRun, nowIso } from './context.js';
import { isPatched } from './patches.js';
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
  if (isPatched('closingRechecks')) await recheckClosing(run, by, '户类别调整');
  return run.view();
}

/**
 * Moves the household to `policy`. A second call with the version it already has changes nothing
 * (a bulk upgrade retried or resumed). The latest visit's income is judged against the new line:
 * under it, a follow-up opens (unless one is open already); a closing in progress goes on only if
 * the household still qualifies under the new policy.
 */
export async function upgradePolicy(run: HouseholdRun, { policy, by }: { policy: Policy; by: string }) {
  const { state } = run;
  const rechecks = isPatched('policyUpgradeRechecks');
  if (rechecks && policy.version === state.policy.version) return run.view();
  const from = state.policy.version;
  state.policy = policy;
  bringNextVisitForward(run);
  await run.change(
    'POLICY_UPGRADED',
    { policyVersion: policy.version, detail: { from, to: policy.version } },
    by,
  );
  if (rechecks) {
    const latest = state.visits.at(-1);
    const finding = latest && incomeBelowLine(policy, latest);
    const open = state.openTasks.some((t) => t.findingKind === 'INCOME_BELOW_LINE');
    if (finding && !open) {
      const assignee = state.cadres.assistance?.id ?? state.cadres.leader?.id ?? '';
      const message = `按新的督战策略（${policy.version}）复核：${finding.message}`;
      await run.openTask('FOLLOW_UP', assignee, finding.dueDays, message, finding);
    }
    await recheckClosing(run, by, `督战策略升级到 ${policy.version}`);
  }
  await reviewExit(run, nowIso());
  return run.view();
}
