import { defineConfig } from 'vitest/config';

// Integration tests share one Temporal server and one PostgreSQL started by the global setup;
// files run one at a time so that two workers never fight over the same task queue.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/quiet-temporal-logs.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Logs (the app's pino lines, the SDK's warnings) are printed for failing tests only.
    silent: 'passed-only',
    // A passing run lists its files, not each test; only tests slower than this are named.
    slowTestThreshold: 30_000,
  },
});
