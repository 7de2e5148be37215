// The register's facts changed (members, labour class, causes, needs, 一户一策, phone): written to
// the ledger, then the rules that depend on them see the new facts — the caps from the next visit
// on, the exit criteria, and a closing procedure in progress.
import { ApplicationFailure } from '@temporalio/workflow';
import {
  describeIssues,
  factsOfProfile,
  type HouseholdProfile,
  householdProfileSchema,
  safeParseInChinese,
} from '../../policy/rules.js';
import { recheckClosing, reviewExit } from './closing.js';
import { acts, type HouseholdRun, nowIso } from './context.js';
import type { UpdateFactsArgs } from './definitions.js';

/** The profile as the schema reads it (defaults filled), or the refusal in Chinese. */
export function checkedProfile(args: UpdateFactsArgs): HouseholdProfile {
  const checked = safeParseInChinese(householdProfileSchema, args?.profile);
  if (!checked.ok)
    throw ApplicationFailure.nonRetryable(
      `家庭信息有误：${describeIssues(checked.issues)}`,
      'InvalidProfile',
    );
  return checked.value;
}

export async function updateFacts(run: HouseholdRun, args: UpdateFactsArgs) {
  const { state } = run;
  const profile = checkedProfile(args);
  const key = `${state.workflowId}/${state.chainId}/e${++state.seq}`;
  await acts.updateHouseholdFacts({
    householdId: state.householdId,
    workflowId: state.workflowId,
    key,
    profile,
    by: args.by,
    ...(args.reason ? { reason: args.reason } : {}),
    at: nowIso(),
  });
  state.facts = factsOfProfile(state.facts.category, profile);
  await recheckClosing(run, args.by, '家庭信息变更');
  await reviewExit(run, nowIso());
  return run.view();
}
