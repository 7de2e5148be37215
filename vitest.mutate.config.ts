import { defineConfig } from 'vitest/config';

// `npm run mutate`: StrykerJS runs the pure unit tests (no Temporal, no PostgreSQL) against each
// mutant of the rules in policy/ and of the workflow's pure modules. The purity check reads the
// source text, which StrykerJS instruments with its own helper code, so it is left out here.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/policy-purity.test.ts'],
    silent: 'passed-only',
  },
});
