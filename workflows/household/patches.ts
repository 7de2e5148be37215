// Every behaviour change a running household would replay differently, by patch id. A history
// recorded before a change has no marker for it and replays the old branch; a run that reaches the
// change live records the marker and takes the new one. Never rename an id, never drop a branch
// while a household that started before it may still run (its history must keep replaying).
//
// A run started on code that knows a GENERATION records one marker, the generation's, in its first
// workflow task, and takes every patch the generation covers without a marker of its own. Without
// it each run met each patch once and wrote, for each, a marker and an upsert of the
// `TemporalChangeVersion` search attribute (a visibility write): eight pairs over its admission and
// first visit, up to seventeen over its life. A run started before the generation finds no marker
// for it on replay and keeps deciding patch by patch, as it always did.
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
  /** The whole admission (pairing, supervised, notices, the first visit task) is one local activity
   * (admission.ts, activities/admission.ts): before, the pairing was an activity task of its own. */
  admissionInOneActivity: 'admission-in-one-activity',
  /** A cancel that arrives while the admission waits for its pairing ends the wait, and the household
   * is cancelled unadmitted (admission.ts `cancelMeetingAdmission`); before, the cancel waited behind the
   * admission until an admin added the cadre the pairing lacked. A cancel that came with the start
   * (run before the admission took the lock) is no longer followed by the admission. Asked only when
   * a cancel meets the admission: see ASKED_WHEN_MET. */
  cancelEndsPairingWait: 'cancel-ends-pairing-wait',
} as const;

export type PatchName = keyof typeof PATCHES;

/**
 * The first generation's patches, written out, never derived from PATCHES (a patch added later must
 * not join a generation already recorded); the test pins it. Later generations extend it by name.
 */
const FIRST_GENERATION: readonly PatchName[] = [
  'capKindsInVisit',
  'capYearlyWindow',
  'lockOneWaiter',
  'pauseShiftLivedThrough',
  'visitAlternationByCount',
  'recheckAfterLock',
  'shockKeptWhilePaused',
  'activityFailureReported',
  'searchAttributes',
  'closingStepDeadlines',
  'closingRechecks',
  'policyUpgradeRechecks',
  'visitEvidence',
  'localWrites',
  'boundedMeasures',
  'oneWritePerTransition',
];

/**
 * The generations, newest first: each covers the patches that existed when it was made. A new patch
 * is decided by its own marker until a new generation is added here covering it too; never change
 * what an existing generation covers (runs that recorded it replay by it).
 */
export const GENERATIONS: ReadonlyArray<{ id: string; covers: ReadonlySet<PatchName> }> = [
  {
    id: 'household-generation-2026-11-30b',
    covers: new Set<PatchName>([...FIRST_GENERATION, 'admissionInOneActivity']),
  },
  { id: 'household-generation-2026-11-30', covers: new Set(FIRST_GENERATION) },
];

/**
 * Patches asked only at a rare moment, never on an ordinary run's way (cancelEndsPairingWait: a cancel
 * meeting an admission that waits for its pairing), so no generation needs to cover them: a run that
 * meets the moment records the marker then, the only one such a run has beyond its generation's.
 */
export const ASKED_WHEN_MET: ReadonlySet<PatchName> = new Set<PatchName>(['cancelEndsPairingWait']);

/**
 * The patches this run takes without a marker. Module state is the run's own: the workflow sandbox
 * evaluates this module anew for each workflow (only workflows/shared-modules.ts is shared).
 */
let covered: ReadonlySet<PatchName> = new Set();

/**
 * Called once, first thing in a run's first workflow task, never again: a generation is chosen when a
 * run starts. A run from before it replays that first task with no marker and gets none; asking again
 * later, live, would record the marker in the middle of an old run.
 */
export function enterGeneration(): void {
  const generation = GENERATIONS.find((g) => patched(g.id));
  covered = generation?.covers ?? new Set();
}

export const isPatched = (id: PatchName) => covered.has(id) || patched(PATCHES[id]);
