// Starts the `mail-<notification id>` delivery workflow of an outbox row (workflows/mail/delivery.ts),
// once per row: called by `notify` and the digest once their rows are written.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { mailDeliveryWorkflow } from '../workflows/mail/delivery.js';

export const mailWorkflowId = (notificationId: string) => `mail-${notificationId}`;

/**
 * Starts the delivery workflow of one notification, or finds it running (USE_EXISTING) or already
 * finished (REJECT_DUPLICATE: a finished delivery is not run again). Idempotent.
 */
export async function startDelivery(
  client: Client,
  taskQueue: string,
  notificationId: string,
): Promise<void> {
  try {
    await client.workflow.start(mailDeliveryWorkflow, {
      workflowId: mailWorkflowId(notificationId),
      taskQueue,
      args: [{ notificationId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw error;
  }
}
