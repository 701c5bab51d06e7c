import type { ReconciliationRunDto } from "@/lib/registrations/runs";
import type { FindingFilter } from "@/lib/validation/registration-records";
import { CurrentRunAlert, LastRunLine, RunSummaryCard } from "@/components/findings/run-summary-card";
import { recordsPageLink } from "./records-page-link";

type Counts = NonNullable<ReconciliationRunDto["counts"]>;

const COUNT_ROWS: { filter: FindingFilter; label: string; value: (counts: Counts) => number }[] = [
  { filter: "all", label: "Registration records in DPS", value: (c) => c.records },
  { filter: "orphan", label: "In DPS only (orphans)", value: (c) => c.orphans },
  {
    filter: "never-registered",
    label: "In the platform only (never registered)",
    value: (c) => c.neverRegistered,
  },
  { filter: "hub", label: "Hub differs", value: (c) => c.hubDiffers },
  { filter: "status", label: "Status differs", value: (c) => c.statusDiffers },
  { filter: "device-id", label: "Device ID differs", value: (c) => c.deviceIdDiffers },
  { filter: "agrees", label: "In agreement", value: (c) => c.agree },
];

/** When the last reconciliation ran, what it found (each count a link to its records), and what is under way. */
export function ReconciliationSummary({
  latest,
  current,
  blocker,
  actions,
}: {
  latest: ReconciliationRunDto | null;
  current: ReconciliationRunDto | null;
  blocker: string | null;
  actions: React.ReactNode;
}) {
  return (
    <RunSummaryCard
      title="Reconciliation"
      lastRun={
        latest ? (
          <LastRunLine
            run={latest}
            read={
              <>
                enrollment group <span className="font-mono">{latest.enrollmentGroupId}</span>,{" "}
                {latest.pages.toLocaleString("en")} {latest.pages === 1 ? "page" : "pages"} read
              </>
            }
          />
        ) : (
          "Not reconciled yet: DPS's registration records have not been read."
        )
      }
      actions={actions}
      blocker={blocker}
      current={
        current ? <CurrentRunAlert run={current} what="reconciliation" progress={progress(current)} /> : null
      }
      counts={
        latest?.counts
          ? COUNT_ROWS.map((row) => ({
              key: row.filter,
              href: recordsPageLink({ finding: row.filter }),
              label: row.label,
              value: row.value(latest.counts!),
            }))
          : null
      }
      countsLabel="What the last reconciliation found"
    />
  );
}

/** The run in progress, in words that update while it runs. */
function progress(run: ReconciliationRunDto): string {
  const read =
    run.recordsSeen > 0
      ? `${run.recordsSeen.toLocaleString("en")} records read so far (${run.pages.toLocaleString("en")} pages)`
      : "starting";
  return run.status === "queued"
    ? "Reconciliation waiting for a worker"
    : `Reading DPS's registration records: ${read}`;
}
