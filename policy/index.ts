// The policy and domain-rules module: pure and deterministic (no I/O, no clock, no randomness,
// nothing but zod and these files). Workflow code imports `rules.js` instead, which leaves out the
// built-in policy versions (see there why).

export * from './policy.js';
export * from './rules.js';
