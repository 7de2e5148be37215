import { defineConfig } from 'vitest/config';

// `npm run mutate`: StrykerJS runs the pure unit tests (no Temporal, no PostgreSQL) against each
// mutant of the rules in policy/ and of the workflow's pure modules.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    silent: 'passed-only',
  },
});
