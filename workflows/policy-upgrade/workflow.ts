import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import {
  type HouseholdUpgradeOutcome,
  type PolicyUpgradeInput,
  type PolicyUpgradeProgress,
  policyUpgradeProgressQuery,
} from './definitions.js';

// Households upgraded side by side: enough to keep a worker busy, few enough for its database pool.
const DEFAULT_PAGE_SIZE = 20;
const DEFAULT_CONTINUE_AS_NEW_EVERY = 500;
/** Patch: the finished walk recounts the households on the version (see the end of the workflow). */
const RECOUNT_AT_END = 'policy-upgrade-recount-at-end';
/** Failures kept with their reason; the count goes on beyond. */
const MAX_FAILURES_KEPT = 100;

const reads = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// One household's update normally takes well under a second; one that does not answer after a few
// attempts (its worker gone for long) is reported as failed, and a later start of the upgrade retries it.
const upgrades = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
  },
});

const nowIso = () => new Date().toISOString(); // workflow time: deterministic on replay

/**
 * `policy-upgrade-<version>`: walks the selected running households in pages of PostgreSQL's order
 * and sends each the `upgradePolicy` update, skipping those already on the version. The progress is a
 * query; the run continues as new every so many households, carrying it. Started again after it was
 * stopped, it recounts and goes on with the households not yet on the version.
 */
export async function policyUpgradeWorkflow(input: PolicyUpgradeInput): Promise<PolicyUpgradeProgress> {
  const { policy, selection, by } = input;
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const continueAsNewEvery = input.continueAsNewEvery ?? DEFAULT_CONTINUE_AS_NEW_EVERY;
  const progress: PolicyUpgradeProgress = input.carried ?? {
    version: policy.version,
    total: 0,
    done: 0,
    upgraded: 0,
    failed: 0,
    failures: [],
    cursor: null,
    startedAt: nowIso(),
    finishedAt: null,
    runs: 0,
  };
  progress.runs += 1;
  setHandler(policyUpgradeProgressQuery, () => progress);

  if (!input.carried) {
    const counted = await reads.countPolicyUpgradeTargets({ version: policy.version, selection });
    progress.total = counted.total;
    progress.done = counted.alreadyOnVersion;
  }

  const tally = (result: HouseholdUpgradeOutcome) => {
    if (result.outcome === 'FAILED') {
      progress.failed += 1;
      if (progress.failures.length < MAX_FAILURES_KEPT)
        progress.failures.push({ householdId: result.householdId, reason: result.reason });
      return;
    }
    progress.done += 1;
    if (result.outcome === 'UPGRADED') progress.upgraded += 1;
  };

  let handledThisRun = 0;
  for (;;) {
    const page = await reads.listPolicyUpgradeTargets({
      version: policy.version,
      selection,
      afterId: progress.cursor,
      limit: pageSize,
    });
    if (page.length === 0) break;
    const results = await Promise.all(
      page.map((target) =>
        upgrades
          .upgradeHouseholdPolicy({ ...target, policy, by })
          .catch((error: unknown): HouseholdUpgradeOutcome => {
            if (!(error instanceof ActivityFailure)) throw error;
            return {
              householdId: target.householdId,
              outcome: 'FAILED',
              reason: `多次尝试未能升级（${error.cause?.message ?? error.message}），可稍后重新启动升级`,
            };
          }),
      ),
    );
    results.forEach(tally);
    progress.cursor = page[page.length - 1]?.householdId ?? progress.cursor;
    handledThisRun += page.length;
    if (handledThisRun >= continueAsNewEvery || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof policyUpgradeWorkflow>({ ...input, carried: progress });
    }
  }
  if (patched(RECOUNT_AT_END)) {
    // An upgrade still in flight from a stopped run can land between this run's first count and its
    // listing: that household is then in neither, and the tally would end one short. The households
    // on the version at the end are what is done.
    const counted = await reads.countPolicyUpgradeTargets({ version: policy.version, selection });
    progress.total = counted.total;
    progress.done = counted.alreadyOnVersion;
  }
  progress.finishedAt = nowIso();
  return progress;
}
