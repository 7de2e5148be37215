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

import { z } from 'zod';

export const sharedZod = z;
z.object({ warmUp: z.array(z.string()) }).safeParse({ warmUp: ['x'] });
void z.core.util.allowsEval.value;
