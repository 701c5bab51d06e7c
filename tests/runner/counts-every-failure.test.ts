import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closingLine } from "./counts";
import { runPlaywright, runVitest } from "./run";

/**
 * The deliberately broken fixtures in ./fixtures (outside the normal include patterns) go through
 * the very code `npm test` counts with; each kind of breakage must come out as a named failure.
 */
const root = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(os.tmpdir(), "hic-runner-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fixture = (name: string) => `tests/runner/fixtures/${name}`;

describe("npm test's counting", () => {
  it(
    "counts failed tests, files that fail to load, throwing hooks and unhandled rejections as failures, naming each file",
    { timeout: 60_000 },
    async () => {
      const { counts, output } = await runVitest({
        root,
        args: ["--config", fixture("vitest.config.ts")],
        env: process.env,
        reportFile: path.join(work, "vitest.json"),
        quiet: true,
      });
      const failuresIn = (name: string) =>
        counts.failures.filter((failure) => failure.startsWith(fixture(name)));

      expect(failuresIn("throws-at-import.fixture.ts"), output).toEqual([
        expect.stringContaining("failed to load: this fixture throws while it is imported"),
      ]);
      expect(failuresIn("before-all-throws.fixture.ts")).toEqual([
        expect.stringContaining("this fixture's beforeAll throws"),
      ]);
      expect(failuresIn("after-all-throws.fixture.ts")).toEqual([
        expect.stringContaining("this fixture's afterAll throws"),
      ]);
      expect(failuresIn("unhandled-rejection.fixture.ts")).toEqual([
        expect.stringContaining("unhandled error"),
      ]);
      expect(failuresIn("failing-test.fixture.ts")).toEqual([expect.stringContaining('"fails" failed')]);
      // vitest's own totals: 5 tests passed (passing.fixture.ts included), 1 failed, 2 skipped;
      // the other four failures are not tests, and each still counts.
      expect(counts).toMatchObject({ passed: 5, failed: 5, skipped: 2 });
      expect(closingLine(counts)).toBe("Tests: 5 passed, 5 failed, 2 skipped");
    },
  );

  it("counts a passing run as green", { timeout: 60_000 }, async () => {
    const { counts, output } = await runVitest({
      root,
      args: ["--config", fixture("vitest.config.ts"), fixture("passing.fixture.ts")],
      env: process.env,
      reportFile: path.join(work, "vitest-green.json"),
      quiet: true,
    });
    expect(counts, output).toEqual({ passed: 2, failed: 0, skipped: 0, failures: [] });
  });

  it(
    "counts a Playwright spec that throws at import as a failure of that file, though no test failed",
    { timeout: 60_000 },
    async () => {
      const { counts, output } = await runPlaywright({
        root,
        args: ["--config", fixture("playwright/playwright.config.ts"), "throws-at-import"],
        env: process.env,
        reportFile: path.join(work, "playwright-import.json"),
        quiet: true,
      });
      expect(counts.failures, output).toContainEqual(
        expect.stringMatching(
          /^tests\/runner\/fixtures\/playwright\/throws-at-import\.spec\.ts: failed to load.*throws while it is imported/,
        ),
      );
      expect(counts.failed).toBe(counts.failures.length);
      expect(counts.passed).toBe(0);
    },
  );

  it("counts a failing Playwright test, naming its file", { timeout: 60_000 }, async () => {
    const { counts, output } = await runPlaywright({
      root,
      args: ["--config", fixture("playwright/playwright.config.ts"), "failing-test"],
      env: process.env,
      reportFile: path.join(work, "playwright-failing.json"),
      quiet: true,
    });
    expect(counts, output).toMatchObject({ passed: 1, failed: 1, skipped: 1 });
    expect(counts.failures).toEqual([
      expect.stringMatching(/^tests\/runner\/fixtures\/playwright\/failing-test\.spec\.ts: "fails" failed/),
    ]);
  });

  it("counts a runner that dies without a report as a failure", { timeout: 60_000 }, async () => {
    const { counts } = await runVitest({
      root,
      args: ["--config", fixture("does-not-exist.config.ts")],
      env: process.env,
      reportFile: path.join(work, "none.json"),
      quiet: true,
    });
    expect(counts.failed).toBe(1);
    expect(counts.failures).toEqual([expect.stringMatching(/^vitest ended \(code \d+\) without a report/)]);
  });
});
