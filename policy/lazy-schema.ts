import { z } from 'zod';

/**
 * A schema built on its first use, then kept. The worker loads a workflow's modules anew for every
 * workflow it creates or replays, and a zod schema costs about 1.5 kB a node: built when loaded, the
 * policy's, the visit record's and the household profile's schemas were most of a cached household's
 * memory and a good part of its creation time, though a household uses them only to check an update.
 * Parses exactly as the schema `build` returns; `.unwrap()` gives that schema (to extend it).
 */
export function lazySchema<T extends z.ZodType>(build: () => T): z.ZodLazy<T> {
  let built: T | undefined;
  return z.lazy(() => {
    built ??= build();
    return built;
  });
}
