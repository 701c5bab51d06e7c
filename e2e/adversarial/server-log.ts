import { existsSync, readFileSync, statSync } from "node:fs";
import { logProblems } from "./judge";

/**
 * The app's log during the run (scripts/test.ts writes it and names it in E2E_APP_LOG): an error
 * there while the suite ran is a failure even when every answer looked fine, as for a section that
 * threw inside a page that still answered 200.
 */
const FILE = process.env.E2E_APP_LOG ?? "";

export type LogMark = number;

export function logMark(): LogMark {
  return FILE && existsSync(FILE) ? statSync(FILE).size : 0;
}

/** The errors logged since `mark`. Without a log to read (a run outside `npm test`) there are none to find. */
export function serverErrorsSince(mark: LogMark): string[] {
  if (!FILE || !existsSync(FILE)) return [];
  const text = readFileSync(FILE).subarray(mark).toString("utf8");
  return logProblems(text.split("\n"));
}
