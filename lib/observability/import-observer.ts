import { metrics, type ImportOutcome } from "./metrics";

type Counts = { status: "complete" | "cut-short"; added: number; duplicates: number; refused: number };

/**
 * Times one CSV import and counts its rows (the devices data-access layer's one hook). An import
 * cut short counts as `stopped`; one refused as a whole (a bad header, too large) as `failed`.
 */
export async function observeImport<T extends Counts>(run: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  let outcome: ImportOutcome = "failed";
  try {
    const summary = await run();
    outcome = summary.status === "complete" ? "complete" : "stopped";
    const m = metrics();
    m.importRows.inc({ result: "added" }, summary.added);
    m.importRows.inc({ result: "duplicate" }, summary.duplicates);
    m.importRows.inc({ result: "refused" }, summary.refused);
    return summary;
  } finally {
    metrics().importDuration.observe({ outcome }, (performance.now() - startedAt) / 1000);
  }
}
