/** One row of the benchmark table: what was measured, under which setup, against which target. */
export type BenchResult = {
  scenario: string;
  setup: string;
  metrics: Record<string, number | string>;
  target: string;
  met: boolean | null;
  notes?: string;
  /** Per-case figures behind the metrics, kept in the JSON only. */
  details?: unknown;
};
