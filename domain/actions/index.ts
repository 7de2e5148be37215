// Writes that change a household go through its workflow (update or signal), never straight to
// the read model.
export * from './complete-task.js';
export * from './household-actions.js';
export * from './household-facts.js';
export * from './supervision-actions.js';
export * from './workflow-calls.js';
