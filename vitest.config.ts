import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each slow file took in a full run on the project's 2-core machine (other files: about
 * DEFAULT_SECONDS). Only used to split the files into lanes of about equal time (`npm test`,
 * scripts/test.ts); a stale figure makes one lane longer, never a test wrong.
 */
const SLOW_FILE_SECONDS: Record<string, number> = {
  'test/integration/policy-upgrade.test.ts': 86,
  'test/integration/root-home.test.ts': 54,
  'test/faults/outages.test.ts': 52,
  'test/cluster/cluster.test.ts': 49,
  'test/workflows/cancel-during-admission.test.ts': 45,
  'test/integration/worker-restart.test.ts': 42,
  'test/integration/channels-delivery.test.ts': 40,
  'test/browser/household-roster.test.ts': 31,
  'test/domain/ledger.test.ts': 26,
  'test/integration/email-delivery.test.ts': 23,
  'test/integration/seed-visits.test.ts': 22,
  'test/integration/bad-configuration.test.ts': 21,
  'test/browser/offline-visits.test.ts': 20,
  'test/workflows/changing-township.test.ts': 19,
  'test/workflows/household-lifecycle.test.ts': 18,
  'test/browser/flows.test.ts': 15,
  'test/workflows/household-deploys.test.ts': 15,
  'test/domain/ledger-attacks.test.ts': 14,
  'test/integration/seed.test.ts': 13,
  'test/api/endpoints.test.ts': 12,
  'test/workflows/replay.test.ts': 12,
  'test/faults/supervise.test.ts': 11,
  'test/api/roles.test.ts': 10,
  'test/faults/server-death.test.ts': 10,
};
const DEFAULT_SECONDS = 4;

const isCluster = (f: TestSpecification) => /[\\/]test[\\/]cluster[\\/]/.test(f.moduleId);

/**
 * Lanes: the slowest file first into the lane with the least time so far; the cluster suite always
 * in lane 1. Order within a lane: the usual one, except the cluster suite (test/cluster) comes last:
 * the production Temporal server it needs is compiled in the background (minutes, the first time
 * on a machine) while the other files run.
 */
class LaneSequencer extends BaseSequencer {
  override async shard(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { index, count } = this.ctx.config.shard ?? { index: 1, count: 1 };
    const seconds = (f: TestSpecification) =>
      SLOW_FILE_SECONDS[path.relative(this.ctx.config.root, f.moduleId).split(path.sep).join('/')] ??
      DEFAULT_SECONDS;
    const laneSeconds = new Array<number>(count).fill(0);
    const laneOf = new Map<TestSpecification, number>();
    const bySlowest = [...files].sort(
      (a, b) => seconds(b) - seconds(a) || a.moduleId.localeCompare(b.moduleId),
    );
    for (const file of bySlowest) {
      const least = laneSeconds.indexOf(Math.min(...laneSeconds));
      const lane = isCluster(file) ? 0 : least;
      laneSeconds[lane] = (laneSeconds[lane] ?? 0) + seconds(file);
      laneOf.set(file, lane);
    }
    return files.filter((f) => laneOf.get(f) === index - 1);
  }

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => !isCluster(f)), ...sorted.filter(isCluster)];
  }
}

// The files of a lane share one Temporal server and one PostgreSQL started by its global setup, and
// run one at a time: fixtures make their leaders the only active ones of their rank, seed tests use
// the seed's workflow ids. Lanes (scripts/test.ts) share nothing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/quiet-temporal-logs.ts'],
    fileParallelism: false,
    sequence: { sequencer: LaneSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `npm test` runs lanes and merges them into the dot reporter; a run of chosen files lists them.
    reporters: ['default'],
    // Logs (the app's pino lines, the SDK's warnings) are printed for failing tests only.
    silent: 'passed-only',
    // A passing run lists its files, not each test; only tests slower than this are named.
    slowTestThreshold: 30_000,
  },
});
