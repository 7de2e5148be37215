// The search attributes of `household-<id>`: what operators filter by in the Temporal UI and
// `temporal workflow list --query`. Registered on the server by stack/temporal-dev-server.ts (npm start,
// tests) and worker/search-attributes.ts (npm run worker, any deployment); set by the workflow.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const HOUSEHOLD_SEARCH_ATTRIBUTES = {
  status: defineSearchAttributeKey('HouseholdStatus', SearchAttributeType.KEYWORD),
  village: defineSearchAttributeKey('Village', SearchAttributeType.KEYWORD),
  category: defineSearchAttributeKey('Category', SearchAttributeType.KEYWORD),
  policyVersion: defineSearchAttributeKey('PolicyVersion', SearchAttributeType.KEYWORD),
  highestRung: defineSearchAttributeKey('HighestRung', SearchAttributeType.INT),
  nextDueAt: defineSearchAttributeKey('NextDueAt', SearchAttributeType.DATETIME),
} as const;

/** Name → the type's name as `temporal ... --search-attribute Name=Type` spells it. */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<string, string> = Object.fromEntries(
  Object.values(HOUSEHOLD_SEARCH_ATTRIBUTES).map((k) => [
    k.name,
    { KEYWORD: 'Keyword', INT: 'Int', DATETIME: 'Datetime' }[k.type as 'KEYWORD' | 'INT' | 'DATETIME'],
  ]),
);
