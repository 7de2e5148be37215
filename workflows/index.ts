// The worker bundles this file: every workflow the task queue serves is exported here.

export { shockBatchWorkflow } from './household/shock-batch.js';
export { householdWorkflow } from './household/workflow.js';
export { identificationWorkflow } from './identification/workflow.js';
export { mailDeliveryWorkflow } from './mail/delivery.js';
export { dailyDigestWorkflow } from './mail/digest.js';
export { policyUpgradeWorkflow } from './policy-upgrade/workflow.js';
