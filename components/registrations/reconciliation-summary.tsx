import Link from "next/link";
import type { ReconciliationRunDto } from "@/lib/registrations/runs";
import type { FindingFilter } from "@/lib/validation/registration-records";
import { formatDateTime } from "@/lib/format";
import { formatDuration } from "@/lib/format-duration";
import { Alert } from "@/components/ui/alert";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
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

function seconds(from: string | null, to: string | null): number | null {
  return from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null;
}

/** The run in progress (or the one that just failed), in words that update while it runs. */
function CurrentRun({ run }: { run: ReconciliationRunDto }) {
  if (run.status === "failed") {
    return (
      <Alert tone="danger" role="status" className="grid gap-1">
        <p className="font-semibold">The reconciliation requested {formatDateTime(run.createdAt)} failed.</p>
        <p>{run.problem ?? "No reason was recorded."}</p>
      </Alert>
    );
  }
  const progress =
    run.recordsSeen > 0
      ? `${run.recordsSeen.toLocaleString("en")} records read so far (${run.pages.toLocaleString("en")} pages)`
      : "starting";
  return (
    <Alert tone="info" className="grid gap-1">
      <p className="font-semibold">
        {run.status === "queued"
          ? "Reconciliation waiting for a worker"
          : `Reading DPS's registration records: ${progress}`}
      </p>
      {run.status === "queued" && run.problem ? <p>Waiting because: {run.problem}</p> : null}
      {run.resumes > 0 ? (
        <p>
          Resumed {run.resumes} {run.resumes === 1 ? "time" : "times"} after an interruption, from the last
          page stored.
        </p>
      ) : null}
    </Alert>
  );
}

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
  const duration = latest ? seconds(latest.startedAt, latest.finishedAt) : null;
  return (
    <Card className="mb-6">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1">
          <CardTitle>Reconciliation</CardTitle>
          <p className="text-sm text-muted-foreground">
            {latest ? (
              <>
                Last run {formatDateTime(latest.finishedAt!)}
                {latest.requestedBy ? ` (asked by ${latest.requestedBy})` : ""}: enrollment group{" "}
                <span className="font-mono">{latest.enrollmentGroupId}</span>,{" "}
                {latest.pages.toLocaleString("en")} {latest.pages === 1 ? "page" : "pages"} read
                {duration !== null ? ` in ${formatDuration(duration)}` : ""}.
              </>
            ) : (
              "Not reconciled yet: DPS's registration records have not been read."
            )}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">{actions}</div>
      </CardHeader>
      <CardContent className="grid gap-4">
        {blocker ? <Alert tone="warning">{blocker}</Alert> : null}
        {current ? <CurrentRun run={current} /> : null}
        {latest?.counts ? (
          <ul
            className="grid gap-x-8 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3"
            aria-label="What the last reconciliation found"
          >
            {COUNT_ROWS.map((row) => (
              <li key={row.filter} className="flex justify-between gap-4 border-b border-border pb-1">
                <Link
                  href={recordsPageLink({ finding: row.filter })}
                  className="text-link underline underline-offset-2"
                >
                  {row.label}
                </Link>
                <strong>{row.value(latest.counts!).toLocaleString("en")}</strong>
              </li>
            ))}
          </ul>
        ) : null}
      </CardContent>
    </Card>
  );
}
