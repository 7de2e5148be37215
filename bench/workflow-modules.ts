/**
 * `npm run bench:modules [-- --workflows N]`: what one workflow's own copy of the workflow modules
 * costs, in time and heap. The SDK's reusable V8 context evaluates the bundle once, then each
 * preloaded module once per workflow thread (shared), then every other module anew for each workflow
 * it creates or replays: that copy is paid at every cache miss and held by every cached workflow.
 * Loads the real bundle the same way, N times, with nothing else running. Run by hand, not by CI.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { workflowBundle } from '../worker/worker.js';

export interface WorkflowModules {
  /** Module ids evaluated once per thread, shared by every workflow. */
  shared: string[];
  /** Module ids each workflow evaluates for itself. */
  perWorkflow: string[];
  /** Evaluates a new workflow's modules (what the SDK does when it creates one) and keeps them. */
  loadWorkflow(): void;
  /** Evaluates an expression in the workflows' V8 context (its globals, after the preloaded modules ran). */
  evaluate(expression: string): unknown;
}

/** The real bundle in a V8 context of its own, with the SDK's split between shared and per-workflow modules. */
export async function loadBundleLikeTheSdk(): Promise<WorkflowModules> {
  const { code } = await workflowBundle();
  const shared = new Map<string, unknown>();
  let current: Map<string, unknown> | undefined;
  const kept: Map<string, unknown>[] = [];
  const context = vm.createContext({});
  Object.defineProperty(context, '__webpack_module_cache__', {
    value: new Proxy(
      {},
      {
        get: (_, id: string) => shared.get(id) ?? current?.get(id),
        set: (_, id: string, module) => {
          (current ?? shared).set(id, module);
          return true;
        },
      },
    ),
  });
  vm.runInContext(code, context);
  vm.runInContext('__TEMPORAL__.preloadModules()', context);
  // The SDK deep-freezes the context's globals here; Error frozen alike makes a module that set its
  // stackTraceLimit per workflow (too late, in the SDK) fail here too.
  vm.runInContext('Object.freeze(Error)', context);
  const loadWorkflow = () => {
    current = new Map();
    vm.runInContext('__TEMPORAL__.importWorkflows()', context);
    kept.push(current);
  };
  loadWorkflow();
  return {
    shared: [...shared.keys()],
    perWorkflow: [...(kept[0]?.keys() ?? [])],
    loadWorkflow,
    evaluate: (expression) => vm.runInContext(expression, context),
  };
}

async function main() {
  const { values } = parseArgs({ options: { workflows: { type: 'string', default: '300' } } });
  const n = Number(values.workflows);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:modules does)');
  const bundle = await loadBundleLikeTheSdk();
  gc();
  const heapBefore = v8.getHeapStatistics().used_heap_size;
  const started = performance.now();
  for (let i = 0; i < n; i++) bundle.loadWorkflow();
  const ms = (performance.now() - started) / n;
  gc();
  const kib = (v8.getHeapStatistics().used_heap_size - heapBefore) / n / 1024;
  console.log(
    `${bundle.perWorkflow.length} modules per workflow (${bundle.shared.length} shared): ` +
      `${ms.toFixed(2)} ms and ${kib.toFixed(0)} KiB each (mean of ${n})`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
