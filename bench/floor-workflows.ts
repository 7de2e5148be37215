// The floor of the benchmark: the least a workflow can do to be started and updated, with no
// activities and no state but a counter. Bundled by its own worker in bench/worker-process.ts.
import { condition, defineSignal, defineUpdate, setHandler, sleep } from '@temporalio/workflow';

export const bumpUpdate = defineUpdate<number>('bump');
export const finishSignal = defineSignal('finish');

export async function floorWorkflow(): Promise<number> {
  let count = 0;
  let finished = false;
  setHandler(bumpUpdate, () => ++count);
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return count;
}

/**
 * The floor of the "due together" phase: sleeps on a durable timer until `dueAtMs`, then answers how
 * late it woke (workflow time: when its workflow task started), as a household's visit task would open.
 */
export async function floorTimerWorkflow(dueAtMs: number): Promise<number> {
  await sleep(Math.max(1, dueAtMs - Date.now()));
  return Date.now() - dueAtMs;
}
