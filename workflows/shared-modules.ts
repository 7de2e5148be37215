// Modules every workflow thread evaluates once and shares between all the workflows it runs
// (WorkerOptions.bundlerOptions.preloadModules, worker/worker.ts). Without it the reusable V8
// context evaluates zod's 40-odd modules anew for every household it creates or replays: about a
// third of a workflow's creation time and of its memory in the sticky cache.
//
// Listing 'zod' itself in preloadModules does nothing: zod declares itself free of side effects,
// so webpack drops a `require('zod')` whose result is unused. Importing it here, and using it, is
// what keeps it.
//
// The SDK deep-freezes the shared modules and the context's globals once they are loaded, so zod's
// lazily filled shared values are filled here first: its global config (the default locale and
// memoizer, set by the first schema built) and whether `new Function` may be used (read by the
// first object parsed). Frozen while still empty, they would throw at a workflow's first schema.
//
// Only stateless library code belongs here. Our own policy modules do not: their zod schemas fill
// caches on themselves at first use, which a frozen schema refuses.
//
// What this forbids in workflow code (policy/ and workflows/), because it would write to a frozen
// shared object and fail the workflow task: zod's built-in string formats that reuse a shared regex
// (z.email(), z.guid(), z.iso.date(), z.e164(), .lowercase() …: zod resets the regex's lastIndex;
// use .regex() with a literal of our own, as the schemas do), and .meta({ id }) or .register() (the
// registry is shared and frozen).
//
// Stack traces are off in workflow code (Error.stackTraceLimit = 0, set here because the SDK freezes
// the context's Error right after this module runs). The SDK's promise hook captures a stack for
// every promise a workflow creates, and maps each frame through the bundle's source map, whether or
// not anyone asks for it (the `__stack_trace` query). That was a quarter of the CPU of replaying a
// household's history (`bench/replay-cost.ts`: 129 → 96 ms a replay of the recorded histories), and
// an evicted household replays its history at every update and wake. What is lost: an error thrown
// in workflow code carries its type and message but no frames, and the stack-trace query shows none.
// The household's errors are its own messages (validators, ApplicationFailure); a bug in workflow
// code is found by replaying its recorded history in a test, where the message names the step.

import { z } from 'zod';

export const sharedZod = z;
z.object({ warmUp: z.array(z.string()) }).safeParse({ warmUp: ['x'] });
void z.core.util.allowsEval.value;

Error.stackTraceLimit = 0;
