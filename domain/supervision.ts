import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { PrismaClient } from '../db/client.js';
import type { Policy } from '../policy/index.js';
import { householdWorkflowId } from '../workflows/household/definitions.js';
import { householdWorkflow } from '../workflows/household/workflow.js';
import { currentPolicy } from './policy-versions.js';

/** PostgreSQL (the household's ledger status, the stored policy), the Temporal client, the task queue. */
export interface SupervisionDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
}

export interface StartSupervisionOptions {
  policy?: Policy;
  /**
   * A household whose earlier supervision has closed (stable exit, cancellation) may be put under
   * supervision again (回退, a new risk): a new run of the same workflow id. Never while one runs.
   */
  readmission?: boolean;
}

/**
 * Starts `household-<id>` with the current policy. Returns false, starting nothing, when the
 * household's workflow is already running (or, without `readmission`, has ever run).
 */
export async function startSupervision(
  deps: SupervisionDeps,
  householdId: string,
  options: StartSupervisionOptions = {},
): Promise<boolean> {
  try {
    const { temporal, taskQueue } = deps;
    const policy = options.policy ?? (await currentPolicy(deps.prisma));
    await temporal.workflow.start(householdWorkflow, {
      workflowId: householdWorkflowId(householdId),
      taskQueue,
      args: [{ householdId, policy }],
      workflowIdReusePolicy: options.readmission ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
