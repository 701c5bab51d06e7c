import path from "node:path";
import type { SerializedError, TestModule, TestRunEndReason, TestSuite } from "vitest/node";
import { firstLine, type Counts } from "./counts";

type HookError = SerializedError & { VITEST_TEST_PATH?: string; VITEST_TEST_NAME?: string };

/**
 * Counts a vitest run from its own view of every test module: failed tests, modules that failed
 * to load, errors in hooks (reported on the module or suite, not on a test), modules that never
 * finished, and unhandled errors and rejections (which fail no test but fail the run).
 */
export function countVitestRun(
  root: string,
  modules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
  reason: TestRunEndReason,
): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const fail = (failure: string) => {
    counts.failed += 1;
    counts.failures.push(failure);
  };
  for (const testModule of modules) {
    const file = path.relative(root, testModule.moduleId);
    const before = counts.failed;
    let tests = 0;
    for (const test of testModule.children.allTests()) {
      tests += 1;
      const result = test.result();
      if (result.state === "passed") counts.passed += 1;
      else if (result.state === "skipped") counts.skipped += 1;
      else if (result.state === "failed")
        fail(`${file}: "${test.fullName}" failed: ${firstLine(result.errors[0]?.message)}`);
      else fail(`${file}: "${test.fullName}" did not finish`);
    }
    for (const error of testModule.errors()) {
      fail(
        tests === 0
          ? `${file}: failed to load: ${firstLine(error.message)}`
          : `${file}: error outside any test (a hook or the file itself): ${firstLine(error.message)}`,
      );
    }
    for (const suite of testModule.children.allSuites() as Generator<TestSuite>) {
      for (const error of suite.errors())
        fail(`${file}: error in a hook of "${suite.fullName}": ${firstLine(error.message)}`);
    }
    const state = testModule.state();
    if (state === "queued" || state === "pending") fail(`${file}: did not finish`);
    else if (state === "failed" && counts.failed === before) fail(`${file}: failed without a reported error`);
  }
  for (const error of unhandledErrors as ReadonlyArray<HookError>) {
    const where = error.VITEST_TEST_PATH ? `${path.relative(root, error.VITEST_TEST_PATH)}: ` : "";
    fail(
      `${where}unhandled error${error.VITEST_TEST_NAME ? ` during "${error.VITEST_TEST_NAME}"` : ""}: ${firstLine(error.message)}`,
    );
  }
  if (reason === "interrupted") fail("vitest: the run was interrupted");
  return counts;
}
