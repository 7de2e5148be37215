// Everything in policy/ that workflow code imports: the rules, the policy's schema, the vocabulary.
// Not the built-in versions (default-policy.ts, policy-registry.ts): they parse five policies when
// loaded, and the worker loads a workflow's modules anew for every workflow it creates or replays,
// so each household would pay for them without using them. Workflows receive their policy whole.
// Pure and deterministic: no I/O, no clock, no randomness, nothing but zod and these files.

export * from './closing-procedure.js';
export * from './escalation.js';
export * from './findings.js';
export * from './household-profile.js';
export * from './household-types.js';
export * from './identification.js';
export * from './measure-caps.js';
export * from './money.js';
export * from './plain-text.js';
export * from './policy-schema.js';
export * from './stable-exit.js';
export * from './time-arithmetic.js';
export * from './township-calendar.js';
export * from './validation-issues.js';
export * from './visit-compliance.js';
export * from './visit-evidence.js';
export * from './visit-record.js';
export * from './visit-record-validation.js';
export * from './vocabulary.js';
