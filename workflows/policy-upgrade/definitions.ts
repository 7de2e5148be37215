// Start arguments, progress and query of `policy-upgrade-<version>`, next to the workflow
// (workflow.ts). Imported by the server, the activities and the tests as well.
import { defineQuery } from '@temporalio/workflow';
import type { HouseholdCategory, Policy } from '../../policy/rules.js';

export const policyUpgradeWorkflowId = (version: string) => `policy-upgrade-${version}`;
/**
 * The id of the `upgradePolicy` update each household receives: the same on every retry and every
 * run of the upgrade, so Temporal hands a repeated call the first one's answer instead of running it
 * again.
 */
export const policyUpgradeUpdateId = (version: string) => `policy-upgrade-${version}`;

/** Which running households to upgrade: all, or those of these villages and/or categories. */
export interface PolicyUpgradeSelection {
  villageIds?: string[];
  categories?: HouseholdCategory[];
}

export interface PolicyUpgradeInput {
  /** The whole published policy: the workflow never looks anything up itself. */
  policy: Policy;
  selection: PolicyUpgradeSelection;
  /** Who asked (a user id), recorded on each household's POLICY_UPGRADED row. */
  by: string;
  /** Households listed (and upgraded side by side) at a time; default 20. */
  pageSize?: number;
  /** Households after which the run continues as new, carrying its progress; default 500. */
  continueAsNewEvery?: number;
  /** Progress handed over by continue-as-new; absent on a (re)start. */
  carried?: PolicyUpgradeProgress;
}

export interface PolicyUpgradeFailure {
  householdId: string;
  reason: string;
}

export interface PolicyUpgradeProgress {
  version: string;
  /** Running households in the selection when this upgrade (re)started. */
  total: number;
  /** On the version: already when it (re)started, or upgraded since. */
  done: number;
  /** Upgraded by this upgrade (all its runs since the last start). */
  upgraded: number;
  failed: number;
  /** The first failures with their reason (bounded). */
  failures: PolicyUpgradeFailure[];
  /** The last household id handled: the walk goes on after it. */
  cursor: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Runs of this upgrade since it (re)started: continue-as-new adds one. */
  runs: number;
}

/** What one household's upgrade came to; a transport problem is retried instead. */
export type HouseholdUpgradeOutcome =
  | { householdId: string; outcome: 'UPGRADED' | 'ALREADY' }
  | { householdId: string; outcome: 'FAILED'; reason: string };

export const policyUpgradeProgressQuery = defineQuery<PolicyUpgradeProgress>('progress');
