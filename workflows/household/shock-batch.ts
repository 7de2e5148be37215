// 突发风险 for many households at once: one workflow signals each household's workflow in turn, on
// the server side, so an HTTP request only starts it (a shock for 5,000 households is one start,
// not 5,000 signals inside one request), and a worker restart resumes where it stopped.
import { continueAsNew, getExternalWorkflowHandle } from '@temporalio/workflow';
import { declareShockSignal } from './definitions.js';

export interface ShockBatchInput {
  workflowIds: string[];
  reason: string;
  by: string;
  /** Carried over continue-as-new: how many the batch had, and the households whose workflow could
   * not be signalled (ended or gone since the request). */
  total?: number;
  missed?: string[];
}

export interface ShockBatchResult {
  signalled: number;
  missed: string[];
}

/** Signals per run: two events each, far below the history limit. */
const SIGNALS_PER_RUN = 1_000;

export async function shockBatchWorkflow(input: ShockBatchInput): Promise<ShockBatchResult> {
  const total = input.total ?? input.workflowIds.length;
  const missed = [...(input.missed ?? [])];
  const now = input.workflowIds.slice(0, SIGNALS_PER_RUN);
  for (const workflowId of now) {
    try {
      await getExternalWorkflowHandle(workflowId).signal(declareShockSignal, {
        reason: input.reason,
        by: input.by,
      });
    } catch {
      missed.push(workflowId);
    }
  }
  const rest = input.workflowIds.slice(SIGNALS_PER_RUN);
  if (rest.length > 0) {
    await continueAsNew<typeof shockBatchWorkflow>({ ...input, workflowIds: rest, total, missed });
  }
  return { signalled: total - missed.length, missed };
}
