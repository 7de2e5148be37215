// Every behaviour change a running household would replay differently, by patch id. A history
// recorded before a change has no marker for it and replays the old branch; a run that reaches the
// change live records the marker and takes the new one. Never rename an id, never drop a branch
// while a household that started before it may still run (its history must keep replaying).
import { patched } from '@temporalio/workflow';

export const PATCHES = {
  /** Only the kinds a visit received are checked against their running total (visits.ts). */
  capKindsInVisit: 'cap-check-kinds-in-visit',
  /** Running totals count over the policy's yearly window (visits.ts). */
  capYearlyWindow: 'cap-yearly-window',
  /** The lock lets one waiter in per release (before: every waiter woken in one pass entered). */
  lockOneWaiter: 'lock-one-waiter-at-a-time',
  /** A resume shifts each clock by the part of the pause it lived through, shockUntil included. */
  pauseShiftLivedThrough: 'pause-shift-lived-through',
  /** Visits alternate by the count of every visit, not by the bounded list's length. */
  visitAlternationByCount: 'visit-alternation-by-count',
  /** Handlers re-check their preconditions once they hold the lock. */
  recheckAfterLock: 'recheck-after-lock',
  /** A shock declared while paused is kept and applied at resume (before: ignored). */
  shockKeptWhilePaused: 'shock-kept-while-paused',
  /** An activity failure that cannot heal is recorded and reported; the household goes on. */
  activityFailureReported: 'activity-failure-reported',
  /** Search attributes (status, village, category, policy, highest rung, next due) are upserted. */
  searchAttributes: 'search-attributes',
  /** A closing tells each step's approvers when it starts and, under a policy with closing
   * deadlines, when it is overdue (closing.ts). */
  closingStepDeadlines: 'closing-step-deadlines',
  /** A category change re-checks a closing in progress (classification.ts). */
  closingRechecks: 'closing-rechecks',
  /** An upgrade to the version held is a no-op; one to another re-judges the latest income and
   * re-checks a closing (classification.ts). */
  policyUpgradeRechecks: 'policy-upgrade-rechecks',
  /** A visit record keeps its evidence (photo hashes, location) for the activity that stores it. */
  visitEvidence: 'visit-evidence',
  /** The household's activities run as local activities, inside the workflow task that calls them
   * (context.ts): no round trip through the server per write. */
  localWrites: 'local-writes',
  /** The measures list is kept bounded: totals per kind for caps over the whole supervision, and
   * only the 12 months a per-year cap counts (visits.ts). */
  boundedMeasures: 'bounded-measures',
  /** One activity per transition, its rows in one transaction (activities/transitions.ts): the
   * admission after the pairing (facts, status, audit, both ASSIGNED notices, the village), and a
   * task opened with its TASK_OPENED notice (admission.ts, context.ts). */
  oneWritePerTransition: 'one-write-per-transition',
} as const;

export const isPatched = (id: keyof typeof PATCHES) => patched(PATCHES[id]);
