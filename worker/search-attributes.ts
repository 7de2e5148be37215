// Registers the households' search attributes on the Temporal server (what `temporal operator
// search-attribute create` does), before any worker runs a household: a workflow that sets an
// unregistered attribute fails its workflow task. Idempotent: a registered attribute is kept.
// A default import: @temporalio/proto is CommonJS, whose named exports plain Node ESM cannot see.
import proto, { type temporal } from '@temporalio/proto';
import { HOUSEHOLD_SEARCH_ATTRIBUTES } from '../workflows/household/search-attribute-keys.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED_VALUE_TYPES = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/** The part of a client `Connection` this needs . */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(
      request: temporal.api.operatorservice.v1.IListSearchAttributesRequest,
    ): Promise<temporal.api.operatorservice.v1.IListSearchAttributesResponse>;
    addSearchAttributes(
      request: temporal.api.operatorservice.v1.IAddSearchAttributesRequest,
    ): Promise<temporal.api.operatorservice.v1.IAddSearchAttributesResponse>;
  };
}

export async function ensureSearchAttributes(connection: OperatorConnection, namespace: string) {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.values(HOUSEHOLD_SEARCH_ATTRIBUTES).filter((k) => !known.has(k.name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, INDEXED_VALUE_TYPES[k.type as keyof typeof INDEXED_VALUE_TYPES]]),
    ),
  });
}
