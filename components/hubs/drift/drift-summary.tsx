import Link from "next/link";
import type { HubDriftRunDto } from "@/lib/hubs/drift/drift-runs";
import type { DriftFilter } from "@/lib/validation/hub-drift";
import { DRIFT_FILTER_LABELS } from "@/lib/validation/hub-drift";
import { formatDateTime } from "@/lib/format";
import { formatDuration } from "@/lib/format-duration";
import { Alert } from "@/components/ui/alert";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { driftPageLink } from "./drift-page-link";

type Counts = NonNullable<HubDriftRunDto["counts"]>;

const COUNT_ROWS: { filter: DriftFilter; value: (counts: Counts) => number }[] = [
  { filter: "missing", value: (c) => c.missing },
  { filter: "disabled", value: (c) => c.disabled },
  { filter: "orphan", value: (c) => c.orphans },
  { filter: "device-id-differs", value: (c) => c.deviceIdDiffers },
  { filter: "stale", value: (c) => c.stale },
];

function seconds(from: string | null, to: string | null): number | null {
  return from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null;
}

/** The run in progress (or the one that just failed), in words that update while it runs. */
function CurrentRun({ run }: { run: HubDriftRunDto }) {
  if (run.status === "failed") {
    return (
      <Alert tone="danger" role="status" className="grid gap-1">
        <p className="font-semibold">The drift check requested {formatDateTime(run.createdAt)} failed.</p>
        <p>{run.problem ?? "No reason was recorded."}</p>
      </Alert>
    );
  }
  return (
    <Alert tone="info" className="grid gap-1">
      <p className="font-semibold">
        {run.status === "queued" && run.identitiesSeen === 0
          ? "Drift check waiting for a worker"
          : `Reading the hubs' identities: ${run.identitiesSeen.toLocaleString("en")} read so far`}
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

/** Per hub: read (how many identities), or not read and why, so a hub that could not be read is never silent. */
function HubsRead({ run }: { run: HubDriftRunDto }) {
  return (
    <ul className="grid gap-1 text-sm" aria-label="Hubs in the last drift check">
      {run.hubs.map((hub) => (
        <li key={hub.hubHost}>
          <span className="font-mono">{hub.hubHost}</span>:{" "}
          {hub.status === "read" ? (
            `${hub.identities.toLocaleString("en")} ${hub.identities === 1 ? "identity" : "identities"} read`
          ) : hub.status === "not-read" ? (
            <strong className="text-danger-foreground">not read. {hub.problem}</strong>
          ) : (
            "not read yet"
          )}
        </li>
      ))}
    </ul>
  );
}

/** When the last drift check ran, what it found (each count a link to its findings), and what is under way. */
export function DriftSummary({
  latest,
  current,
  blocker,
  actions,
}: {
  latest: HubDriftRunDto | null;
  current: HubDriftRunDto | null;
  blocker: string | null;
  actions: React.ReactNode;
}) {
  const duration = latest ? seconds(latest.startedAt, latest.finishedAt) : null;
  return (
    <Card className="mb-6">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1">
          <CardTitle>Drift check</CardTitle>
          <p className="text-sm text-muted-foreground">
            {latest ? (
              <>
                Last run {formatDateTime(latest.finishedAt!)}
                {latest.requestedBy ? ` (asked by ${latest.requestedBy})` : ""}:{" "}
                {latest.identitiesSeen.toLocaleString("en")} identities read in {latest.hubs.length}{" "}
                {latest.hubs.length === 1 ? "hub" : "hubs"}
                {duration !== null ? ` in ${formatDuration(duration)}` : ""}.
              </>
            ) : (
              "Not checked yet: the hubs' identities have not been read."
            )}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">{actions}</div>
      </CardHeader>
      <CardContent className="grid gap-4">
        {blocker ? <Alert tone="warning">{blocker}</Alert> : null}
        {current ? <CurrentRun run={current} /> : null}
        {latest ? <HubsRead run={latest} /> : null}
        {latest?.counts ? (
          <ul
            className="grid gap-x-8 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3"
            aria-label="What the last drift check found"
          >
            {COUNT_ROWS.map((row) => (
              <li key={row.filter} className="flex justify-between gap-4 border-b border-border pb-1">
                <Link
                  href={driftPageLink({ finding: row.filter })}
                  className="text-link underline underline-offset-2"
                >
                  {DRIFT_FILTER_LABELS[row.filter]}
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
