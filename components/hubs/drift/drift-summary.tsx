import type { HubDriftRunDto } from "@/lib/hubs/drift/drift-runs";
import type { DriftFilter } from "@/lib/validation/hub-drift";
import { DRIFT_FILTER_LABELS } from "@/lib/validation/hub-drift";
import { CurrentRunAlert, LastRunLine, RunSummaryCard } from "@/components/findings/run-summary-card";
import { driftPageLink } from "./drift-page-link";
type Counts = NonNullable<HubDriftRunDto["counts"]>;

const COUNT_ROWS: { filter: DriftFilter; value: (counts: Counts) => number }[] = [
  { filter: "missing", value: (c) => c.missing },
  { filter: "disabled", value: (c) => c.disabled },
  { filter: "orphan", value: (c) => c.orphans },
  { filter: "device-id-differs", value: (c) => c.deviceIdDiffers },
  { filter: "stale", value: (c) => c.stale },
];

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
  return (
    <RunSummaryCard
      title="Drift check"
      lastRun={
        latest ? (
          <LastRunLine
            run={latest}
            read={
              <>
                {latest.identitiesSeen.toLocaleString("en")} identities read in {latest.hubs.length}{" "}
                {latest.hubs.length === 1 ? "hub" : "hubs"}
              </>
            }
          />
        ) : (
          "Not checked yet: the hubs' identities have not been read."
        )
      }
      actions={actions}
      blocker={blocker}
      current={
        current ? (
          <CurrentRunAlert
            run={current}
            what="drift check"
            progress={
              current.status === "queued" && current.identitiesSeen === 0
                ? "Drift check waiting for a worker"
                : `Reading the hubs' identities: ${current.identitiesSeen.toLocaleString("en")} read so far`
            }
          />
        ) : null
      }
      details={latest ? <HubsRead run={latest} /> : null}
      counts={
        latest?.counts
          ? COUNT_ROWS.map((row) => ({
              key: row.filter,
              href: driftPageLink({ finding: row.filter }),
              label: DRIFT_FILTER_LABELS[row.filter],
              value: row.value(latest.counts!),
            }))
          : null
      }
      countsLabel="What the last drift check found"
    />
  );
}
