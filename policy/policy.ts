// The versioned Policy in one import: its schema, the default, and the built-in versions.
// (Split over three files so that none of them imports another in a cycle.)
export {
  DEFAULT_POLICY,
  POLICY_2024_2,
  POLICY_2026_1,
  POLICY_2026_2,
  POLICY_2026_3,
} from './default-policy.js';
export {
  latestPolicy,
  policyByVersion,
  policyRegistry,
  UnknownPolicyVersionError,
} from './policy-registry.js';
export {
  comparePolicyVersions,
  ESCALATION_RANK_LABELS,
  ESCALATION_RANKS,
  type EscalationRank,
  type EscalationRung,
  escalationRankSchema,
  type MeasureCap,
  MIN_PUBLIC_NOTICE_DAYS,
  type Policy,
  PolicyValidationError,
  parsePolicy,
  policySchema,
  validatePolicy,
} from './policy-schema.js';
