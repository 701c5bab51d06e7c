import { writeFileSync } from "node:fs";
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";
import { countVitestRun } from "./vitest-summary";

/**
 * A vitest reporter that writes the run's counts (see countVitestRun) as JSON to the file in
 * HIC_VITEST_SUMMARY, for `npm test` to add up. Without that variable it does nothing.
 */
export default class SummaryReporter implements Reporter {
  private root = process.cwd();

  onInit(vitest: { config: { root: string } }): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const file = process.env.HIC_VITEST_SUMMARY;
    if (!file) return;
    writeFileSync(
      file,
      `${JSON.stringify({ ...countVitestRun(this.root, modules, unhandledErrors, reason), files: modules.length })}\n`,
    );
  }
}
