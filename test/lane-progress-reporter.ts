import type { Reporter, TestModule, TestSpecification } from 'vitest/node';

/**
 * A lane's progress in its log (scripts/test.ts reads it to print one progress line a minute):
 * how many files the whole run has (vitest reports them before it splits them into lanes), then one
 * line per file of this lane as it ends.
 */
export default class LaneProgressReporter implements Reporter {
  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    console.log(`[lane] files ${specifications.length}`);
  }

  onTestModuleEnd(testModule: TestModule): void {
    console.log(`[lane] done ${testModule.state()} ${testModule.relativeModuleId}`);
  }
}
