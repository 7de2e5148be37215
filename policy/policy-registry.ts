// The built-in policy versions, by version. Fixed at build time on purpose: every worker that
// replays a workflow must see the same versions. A policy edited at run time (e.g. stored in the
// database) should be passed to the workflow as a whole Policy value, not looked up here.
import {
  DEFAULT_POLICY,
  POLICY_2024_2,
  POLICY_2026_1,
  POLICY_2026_2,
  POLICY_2026_3,
} from './default-policy.js';
import { comparePolicyVersions, type Policy } from './policy-schema.js';

const BUILT_IN_POLICIES: readonly Policy[] = [
  DEFAULT_POLICY,
  POLICY_2024_2,
  POLICY_2026_1,
  POLICY_2026_2,
  POLICY_2026_3,
];

export const policyRegistry: ReadonlyMap<string, Policy> = new Map(
  BUILT_IN_POLICIES.map((policy) => [policy.version, policy]),
);

export class UnknownPolicyVersionError extends Error {
  constructor(readonly version: string) {
    super(`没有版本为 ${version} 的督战策略；已有版本：${[...policyRegistry.keys()].join('、')}`);
    this.name = 'UnknownPolicyVersionError';
  }
}

/** The built-in policy with the highest version. */
export function latestPolicy(): Policy {
  let latest = DEFAULT_POLICY;
  for (const policy of policyRegistry.values()) {
    if (comparePolicyVersions(policy.version, latest.version) > 0) {
      latest = policy;
    }
  }
  return latest;
}

/** The built-in policy of that version; throws UnknownPolicyVersionError if there is none. */
export function policyByVersion(version: string): Policy {
  const policy = policyRegistry.get(version);
  if (!policy) {
    throw new UnknownPolicyVersionError(version);
  }
  return policy;
}
