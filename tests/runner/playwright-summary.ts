import path from "node:path";
import type { JSONReport, JSONReportSuite } from "@playwright/test/reporter";
import { firstLine, type Counts } from "./counts";

function* specsOf(
  suites: JSONReportSuite[] | undefined,
): Generator<{ spec: JSONReportSuite["specs"][number]; titles: string[] }> {
  for (const suite of suites ?? []) {
    for (const spec of suite.specs) yield { spec, titles: [suite.title] };
    for (const nested of specsOf(suite.suites))
      yield { spec: nested.spec, titles: [suite.title, ...nested.titles] };
  }
}

/**
 * Counts a Playwright run from its JSON report: the report's own totals, plus its top-level
 * errors, which is where a spec that throws while it is loaded (or a failing global setup) shows
 * up: such a failure stops every test from running, yet is no failed test.
 */
export function countPlaywrightReport(root: string, report: JSONReport): Counts {
  const { expected, unexpected, flaky, skipped } = report.stats;
  const failures: string[] = [];
  const name = (file: string) => path.relative(root, path.resolve(report.config.rootDir, file));
  for (const { spec, titles } of specsOf(report.suites)) {
    for (const test of spec.tests) {
      if (test.status !== "unexpected") continue;
      const error = test.results.find((result) => result.error)?.error;
      failures.push(
        `${name(spec.file)}: "${[...titles.slice(1), spec.title].join(" › ")}" failed [${test.projectName}]: ${firstLine(error?.message)}`,
      );
    }
  }
  for (const error of report.errors) {
    const where = error.location?.file ? `${name(error.location.file)}: ` : "";
    failures.push(
      `${where}${error.location?.file ? "failed to load or set up" : "error outside any test"}: ${firstLine(error.message)}`,
    );
  }
  return { passed: expected + flaky, failed: unexpected + report.errors.length, skipped, failures };
}
