import { describe, expect, it } from 'vitest';
import { loadBundleLikeTheSdk } from '../../bench/workflow-modules.js';

describe('the workflow bundle', () => {
  it('loads zod once per workflow thread, and no built-in policy version in any workflow', async () => {
    const { shared, perWorkflow } = await loadBundleLikeTheSdk();
    // zod's schema classes and its core are shared: evaluated per workflow, they were a third of
    // each household's creation time and half its memory in the cache.
    expect(shared).toContain('./node_modules/zod/v4/classic/schemas.js');
    expect(shared).toContain('./node_modules/zod/v4/core/core.js');
    expect(perWorkflow.filter((id) => id.includes('/zod/'))).toEqual([]);
    // Workflows get their policy whole; the five built-in versions are not parsed for each of them.
    expect(perWorkflow).toContain('./policy/policy-schema.ts');
    expect(perWorkflow).not.toContain('./policy/default-policy.ts');
    expect(perWorkflow).not.toContain('./policy/policy-registry.ts');
  }, 60_000);

  it('turns stack traces off in workflow code, before the SDK freezes the context', async () => {
    const bundle = await loadBundleLikeTheSdk();
    // Each promise a workflow creates would otherwise capture and source-map a stack (workflows/stack-traces-off.ts).
    expect(bundle.evaluate('Error.stackTraceLimit')).toBe(0);
    expect(bundle.evaluate('new Error("x").stack')).not.toMatch(/\n\s+at /);
  }, 60_000);
});
