// The built-in policy versions in one import: the default, the later versions and the registry.
// (Split over two files so that neither imports the other in a cycle.)
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
