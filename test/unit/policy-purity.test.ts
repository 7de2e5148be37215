import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A check of the source text, not of behaviour: `npm run mutate` leaves it out (vitest.mutate.config.ts),
// because StrykerJS's instrumented copies of these files carry its own helper code.
describe('the policy module stays safe for workflow code', () => {
  const policyDir = join(dirname(fileURLToPath(import.meta.url)), '../../policy');
  const files = readdirSync(policyDir).filter((name) => name.endsWith('.ts'));

  it.each(files)('%s imports only zod and sibling files, and reads no clock or randomness', (name) => {
    const source = readFileSync(join(policyDir, name), 'utf8');
    const imported = [...source.matchAll(/from\s+'([^']+)'/g)].map((match) => match[1]);
    for (const specifier of imported) {
      expect(specifier === 'zod' || /^\.\/[\w-]+\.js$/.test(specifier ?? '')).toBe(true);
    }
    expect(source).not.toMatch(/Date\.now|Math\.random|new Date\(\)|process\.|setTimeout|require\(|import\(/);
  });
});
