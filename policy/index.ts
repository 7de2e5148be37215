// The policy and domain-rules module: pure and deterministic, safe to import from Temporal
// workflow code (no I/O, no clock, no randomness, nothing but zod and these files).

export * from './closing-procedure.js';
export * from './escalation.js';
export * from './findings.js';
export * from './household-profile.js';
export * from './household-types.js';
export * from './identification.js';
export * from './measure-caps.js';
export * from './money.js';
export * from './plain-text.js';
export * from './policy.js';
export * from './stable-exit.js';
export * from './time-arithmetic.js';
export * from './township-calendar.js';
export * from './validation-issues.js';
export * from './visit-compliance.js';
export * from './visit-evidence.js';
export * from './visit-record.js';
export * from './visit-record-validation.js';
export * from './vocabulary.js';
