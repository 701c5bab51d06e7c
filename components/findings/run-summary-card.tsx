import Link from "next/link";
import { formatDateTime } from "@/lib/format";
import type { RunBasicsDto } from "@/lib/run-dto";
import { formatDuration } from "@/lib/format-duration";
import { Alert } from "@/components/ui/alert";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

type RunShown = RunBasicsDto<string>;

/** Seconds between two times, or null while either is unknown. */
function seconds(from: string | null, to: string | null): number | null {
  return from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null;
}

/**
 * The run in progress (or the one that just failed), in words that update while it runs. `what` names
 * the run ("The drift check requested … failed"); `progress` says how far it got.
 */
export function CurrentRunAlert({
  run,
  what,
  progress,
}: {
  run: RunShown;
  what: string;
  progress: React.ReactNode;
}) {
  if (run.status === "failed") {
    return (
      <Alert tone="danger" role="status" className="grid gap-1">
        <p className="font-semibold">
          The {what} requested {formatDateTime(run.createdAt)} failed.
        </p>
        <p>{run.problem ?? "No reason was recorded."}</p>
      </Alert>
    );
  }
  return (
    <Alert tone="info" className="grid gap-1">
      <p className="font-semibold">{progress}</p>
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

/** The last run's line: when, who asked, `read` (what it read), how long. */
export function LastRunLine({ run, read }: { run: RunShown; read: React.ReactNode }) {
  const duration = seconds(run.startedAt, run.finishedAt);
  return (
    <>
      Last run {formatDateTime(run.finishedAt!)}
      {run.requestedBy ? ` (asked by ${run.requestedBy})` : ""}: {read}
      {duration !== null ? ` in ${formatDuration(duration)}` : ""}.
    </>
  );
}

export type CountRow = { key: string; href: string; label: string; value: number };

/** When the last run ran, what it found (each count a link to its findings), and what is under way. */
export function RunSummaryCard({
  title,
  lastRun,
  actions,
  blocker,
  current,
  details,
  counts,
  countsLabel,
}: {
  title: string;
  /** The last run's line, or what it means that there is none. */
  lastRun: React.ReactNode;
  actions: React.ReactNode;
  blocker: string | null;
  current: React.ReactNode;
  /** Shown between the run in progress and the counts. */
  details?: React.ReactNode;
  counts: CountRow[] | null;
  countsLabel: string;
}) {
  return (
    <Card className="mb-6">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1">
          <CardTitle>{title}</CardTitle>
          <p className="text-sm text-muted-foreground">{lastRun}</p>
        </div>
        <div className="flex flex-wrap gap-2">{actions}</div>
      </CardHeader>
      <CardContent className="grid gap-4">
        {blocker ? <Alert tone="warning">{blocker}</Alert> : null}
        {current}
        {details}
        {counts ? (
          <ul className="grid gap-x-8 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3" aria-label={countsLabel}>
            {counts.map((row) => (
              <li key={row.key} className="flex justify-between gap-4 border-b border-border pb-1">
                <Link href={row.href} className="text-link underline underline-offset-2">
                  {row.label}
                </Link>
                <strong>{row.value.toLocaleString("en")}</strong>
              </li>
            ))}
          </ul>
        ) : null}
      </CardContent>
    </Card>
  );
}
