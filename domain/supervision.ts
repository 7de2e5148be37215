import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { PrismaClient } from '../db/client.js';
import type { Policy } from '../policy/index.js';
import { supervisionEnded } from '../policy/vocabulary.js';
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
 *
 * PostgreSQL decides first, not Temporal's retention: only a household never put under supervision
 * (REGISTERED) is admitted; one whose supervision has ended is started again only by 回退
 * (`readmission`), and a household unknown to the ledger never.
 */
export async function startSupervision(
  deps: SupervisionDeps,
  householdId: string,
  options: StartSupervisionOptions = {},
): Promise<boolean> {
  if (!(await mayStart(deps.prisma, householdId, options.readmission ?? false))) return false;
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
    await recordWorkflowId(deps.prisma, householdId);
    return true;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    // Started by an earlier call that did not live to record it (a retried activity, a restart).
    await recordWorkflowId(deps.prisma, householdId);
    return false;
  }
}

/** The ledger row names the household's workflow once it runs (the pages link to it). */
async function recordWorkflowId(prisma: PrismaClient, householdId: string) {
  await prisma.household.update({
    where: { id: householdId },
    data: { workflowId: householdWorkflowId(householdId) },
  });
}

async function mayStart(prisma: PrismaClient, householdId: string, readmission: boolean) {
  const household = await prisma.household.findUnique({
    where: { id: householdId },
    select: { status: true },
  });
  if (!household) return false;
  return readmission ? supervisionEnded(household.status) : household.status === 'REGISTERED';
}
