/**
 * What a test run found, in one shape for every runner. `failed` counts failed tests plus every
 * failure that is not a test (a file that failed to load, a throwing hook, an unhandled error, a
 * runner that crashed), so a run is green only when nothing at all went wrong. Each of those
 * failures is named in `failures`, starting with the file it belongs to when there is one.
 */
export type Counts = { passed: number; failed: number; skipped: number; failures: string[] };

export const noCounts = (): Counts => ({ passed: 0, failed: 0, skipped: 0, failures: [] });

export function addCounts(total: Counts, more: Counts): Counts {
  return {
    passed: total.passed + more.passed,
    failed: total.failed + more.failed,
    skipped: total.skipped + more.skipped,
    failures: [...total.failures, ...more.failures],
  };
}

/** One failure that is not a counted test, e.g. a runner that died. */
export function withFailure(counts: Counts, failure: string): Counts {
  return { ...counts, failed: counts.failed + 1, failures: [...counts.failures, failure] };
}

/** The exit status a runner reported, folded in: a non-zero exit with no failure counted is itself a failure. */
export function withExitStatus(
  counts: Counts,
  runner: string,
  code: number | null,
  signal: NodeJS.Signals | null,
): Counts {
  if (signal) return withFailure(counts, `${runner} was killed by ${signal}`);
  if (code !== 0 && counts.failed === 0)
    return withFailure(counts, `${runner} exited with code ${code} although it reported no failure`);
  return counts;
}

export function closingLine(counts: Counts): string {
  return `Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

/** The first line of an error message, without terminal colours, short enough for a summary line. */
export function firstLine(message: string | undefined): string {
  const plain = (message ?? "").replace(/\u001b\[[0-9;]*m/g, "").trim();
  const line = plain.split("\n")[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}…` : line || "(no message)";
}
