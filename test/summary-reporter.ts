// Prints vitest's totals as one plain line ("vitest: N passed, N failed, N skipped") after
// the default report, so tools that read a run's closing line can count the tests; then one
// line per skipped test with its full name, which says why it was skipped (tests that need
// the shared data or Chromium put the reason in their name), so that a skip is never silent.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped.push(`${module.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}`);
      }
    }
    const lines = [`vitest: ${passed} passed, ${failed} failed, ${skipped.length} skipped`, ...skipped.map((name) => `  skipped: ${name}`)];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
