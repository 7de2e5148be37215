import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/worker.js';

/**
 * Loads the real workflow bundle the way the SDK's reusable V8 context does: the bundle once, then
 * its preloaded modules into a shared module cache, then each workflow's modules into a cache of its
 * own. Answers which modules each workflow evaluates anew.
 */
async function modulesEvaluatedPerWorkflow() {
  const { code } = await workflowBundle();
  const shared = new Map<string, unknown>();
  let perWorkflow: Map<string, unknown> | undefined;
  const context = vm.createContext({});
  Object.defineProperty(context, '__webpack_module_cache__', {
    value: new Proxy(
      {},
      {
        get: (_, id: string) => shared.get(id) ?? perWorkflow?.get(id),
        set: (_, id: string, module) => {
          (perWorkflow ?? shared).set(id, module);
          return true;
        },
      },
    ),
  });
  vm.runInContext(code, context);
  vm.runInContext('__TEMPORAL__.preloadModules()', context);
  perWorkflow = new Map();
  vm.runInContext('__TEMPORAL__.importWorkflows()', context);
  return { shared: [...shared.keys()], perWorkflow: [...perWorkflow.keys()] };
}

describe('the workflow bundle', () => {
  it('loads zod once per workflow thread, and no built-in policy version in any workflow', async () => {
    const { shared, perWorkflow } = await modulesEvaluatedPerWorkflow();
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
});
