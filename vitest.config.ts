import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The usual order, except the cluster suite (test/cluster) comes last: the production Temporal
 * server it needs is compiled in the background (minutes, the first time on a machine) while the
 * other files run.
 */
class ClusterLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isCluster = (f: TestSpecification) => /[\\/]test[\\/]cluster[\\/]/.test(f.moduleId);
    return [...sorted.filter((f) => !isCluster(f)), ...sorted.filter(isCluster)];
  }
}

// Integration tests share one Temporal server and one PostgreSQL started by the global setup;
// files run one at a time so that two workers never fight over the same task queue.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/quiet-temporal-logs.ts'],
    fileParallelism: false,
    sequence: { sequencer: ClusterLastSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Logs (the app's pino lines, the SDK's warnings) are printed for failing tests only.
    silent: 'passed-only',
    // A passing run lists its files, not each test; only tests slower than this are named.
    slowTestThreshold: 30_000,
  },
});
