import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/worker.js';
import { recordedHistories } from '../helpers/history-recorder.js';

// Histories recorded from real runs (RECORD_HISTORIES=1 on the workflow tests), replayed against
// the current workflow code: a change that would break a running household fails here.
describe('recorded household histories replay against the current workflow code', async () => {
  const histories = await recordedHistories();

  it('has the recorded histories', () => {
    expect(histories.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining([
        'stable-exit',
        'escalation-ladder',
        'continued-as-new',
        'reassign-cadre',
        // recorded after patched('cap-check-kinds-in-visit') and patched('cap-yearly-window')
        'stable-exit.patched-caps',
        'findings-follow-ups.patched-caps',
      ]),
    );
  });

  it.each(histories)('$workflowId replays without nondeterminism', async ({ workflowId, history }) => {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });
});
