import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/worker.js';
import { recordedHistories } from '../helpers/history-recorder.js';

/**
 * Every history the replay must cover. A file missing from test/histories fails the suite: deleting
 * one would silently stop checking the code path it exercises. Add a name here with each new history.
 */
const EXPECTED_HISTORIES = [
  'admission-in-one-activity', // the pairing, the admission and the first visit task in one local activity, then a visit with a finding
  'admission-waits-for-pairing', // no 帮扶责任人 in the village: the first try fails, the pairing waits as an activity task, then the admission
  'cancel',
  'cancel-while-admission-waits', // no 帮扶责任人: the pairing waits, a cancel update ends the wait, cancelled unadmitted (patched: cancel-ends-pairing-wait)
  'cancel-while-admission-waits.attempt-in-flight', // the same with a pairing attempt in flight: it commits after the cancel request, the cancel then ends its rows
  'cancel-while-admission-waits.before-patch', // recorded on the code before the patch (a517e9b): the cancel waited for the pairing, a cadre was added, admitted, then cancelled
  'cancel-with-start.before-patch', // recorded on a517e9b: a cancel signal with the start, then the admission all the same (still running)
  'closing-deadlines', // closing steps announced, chased past their deadlines (2026.1), two approvers
  'concurrent-handlers', // three updates together, after the lock loop and the re-checks
  'concurrent-handlers.before-patch', // the same, recorded with the old lock (patches off)
  'continued-as-new', // the new run's first events
  'continued-as-new.first-run', // the run that actually continued as new
  'escalation-ladder',
  'escalation-ladder.patched-caps',
  'escalation-skips-juniors', // a 乡长's overdue handover goes to the 党委书记, rungs below skipped
  'facts-raise-cap', // updateFacts: a member added, a refused amount accepted
  'facts-stop-closing', // updateFacts: nobody can work any more, the closing stops
  'findings-follow-ups',
  'findings-follow-ups.patched-caps',
  'local-writes', // admission, a visit, its follow-up escalated: every write a local activity, measures bounded
  'mail-delivery-channels', // a delivery on the cadre's channels: 企业微信 refused for good (81013), then e-mail (patched: delivery-channels)
  'mail-delivery-refused.before-channels', // e-mail only, the address refused (550): the delivery before channels
  'mail-delivery.before-channels', // e-mail only, sent: the delivery before channels
  'old-schema-record', // a visit record today's schema would refuse, accepted by an older one
  'one-write-per-transition', // admission and each task opened in one write each (patched: one-write-per-transition)
  'patch-generation', // admission and a visit on the dev server: one generation marker (2026-11-30b), every patch taken without its own
  'patch-generation.first-generation', // the same under the first generation (2026-11-30): the pairing an activity task
  'pause-resume',
  'pause-shift', // a resume with a task opened during the pause and a shock active
  'pause-shift.before-patch', // the same, with the old whole-pause shift
  'policy-upgrade-category',
  'policy-upgrade-category.patched-caps',
  'policy-upgrade-stops-closing', // the income line raised during a closing; the same version again; a category change
  'reassign-cadre',
  'reassign-cadre.patched-caps',
  'shock',
  'shock-while-paused',
  'stable-exit',
  'stable-exit.patched-caps',
  'visit-evidence', // a visit record with photo hashes and a location (patched: visit-evidence)
  'visit-record',
];

// Histories recorded from real runs (RECORD_HISTORIES=1 on the workflow tests), replayed against
// the current workflow code: a change that would break a running household fails here.
describe('recorded household and delivery histories replay against the current workflow code', async () => {
  const histories = await recordedHistories();

  it('has every expected history, and no history it does not expect', () => {
    expect(histories.map((h) => h.workflowId).sort()).toEqual([...EXPECTED_HISTORIES].sort());
  });

  it('has the run that continued as new, up to its ContinuedAsNew event', () => {
    const firstRun = histories.find((h) => h.workflowId === 'continued-as-new.first-run');
    const last = firstRun?.history.events.at(-1);
    expect(last?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  });

  it.each(histories)('$workflowId replays without nondeterminism', async ({ workflowId, history }) => {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });
});
