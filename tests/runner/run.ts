import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { JSONReport } from "@playwright/test/reporter";
import { withExitStatus, withFailure, type Counts } from "./counts";
import { countPlaywrightReport } from "./playwright-summary";

export type RunOptions = {
  root: string;
  /** Arguments after `vitest run` / `playwright test`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where the run's report goes (overwritten). */
  reportFile: string;
  /** Collect the runner's output instead of showing it (the runner's own tests). */
  quiet?: boolean;
};

export type RunResult = { counts: Counts; output: string };

function spawnRunner(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  quiet: boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => {
      output += `${error.message}\n`;
      resolve({ code: 1, signal: null, output });
    });
    child.on("close", (code, signal) => resolve({ code, signal, output }));
  });
}

function readReport<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

/**
 * The variables of an enclosing vitest run would make the inner one believe it is a worker;
 * the runner's own tests start vitest from inside vitest.
 */
function withoutVitestVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => !key.startsWith("VITEST")),
  ) as NodeJS.ProcessEnv;
}

/** `vitest run` with the summary reporter; counted from its report and its exit status. */
export async function runVitest(options: RunOptions): Promise<RunResult> {
  rmSync(options.reportFile, { force: true });
  const reporters = [
    "--reporter=default",
    `--reporter=${path.join(options.root, "tests/runner/summary-reporter.ts")}`,
  ];
  const { code, signal, output } = await spawnRunner(
    options.root,
    [path.join(options.root, "node_modules/vitest/vitest.mjs"), "run", ...reporters, ...options.args],
    { ...withoutVitestVariables(options.env), HIC_VITEST_SUMMARY: options.reportFile },
    options.quiet ?? false,
  );
  const summary = readReport<Counts>(options.reportFile);
  if (!summary)
    return {
      counts: withFailure(
        { passed: 0, failed: 0, skipped: 0, failures: [] },
        `vitest ended (${signal ?? `code ${code}`}) without a report`,
      ),
      output,
    };
  return {
    counts: withExitStatus(
      {
        passed: summary.passed,
        failed: summary.failed,
        skipped: summary.skipped,
        failures: summary.failures,
      },
      "vitest",
      code,
      signal,
    ),
    output,
  };
}

/** `playwright test` with its JSON reporter writing to E2E_JSON_REPORT; counted from the report and the exit status. */
export async function runPlaywright(options: RunOptions): Promise<RunResult> {
  rmSync(options.reportFile, { force: true });
  const { code, signal, output } = await spawnRunner(
    options.root,
    [path.join(options.root, "node_modules/@playwright/test/cli.js"), "test", ...options.args],
    { ...options.env, E2E_JSON_REPORT: options.reportFile },
    options.quiet ?? false,
  );
  const report = readReport<JSONReport>(options.reportFile);
  if (!report)
    return {
      counts: withFailure(
        { passed: 0, failed: 0, skipped: 0, failures: [] },
        `playwright ended (${signal ?? `code ${code}`}) without a report`,
      ),
      output,
    };
  return {
    counts: withExitStatus(countPlaywrightReport(options.root, report), "playwright", code, signal),
    output,
  };
}
