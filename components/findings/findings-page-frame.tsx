import { Suspense } from "react";
import { PageHeader } from "@/components/shell/page-header";
import { IntegrationCenterNav } from "@/components/integrations/integration-center-nav";
import { AutoRefresh } from "@/components/devices/auto-refresh";
import { DevicesTableSkeleton } from "@/components/devices/devices-table-skeleton";

/** A run's status, as the summary and its refresh read it. */
export function isRunBusy(current: { status: string } | null): boolean {
  return current?.status === "queued" || current?.status === "running";
}

/**
 * A findings page of the Integration Center (Registration records, Hub drift): the run's summary,
 * refreshed every 2 s while a run is under way, then (once a run has finished) the filters and the
 * page of findings, streamed so the summary shows first.
 */
export function FindingsPageFrame({
  busy,
  heading,
  intro,
  summary,
  findings,
}: {
  busy: boolean;
  heading: string;
  intro: React.ReactNode;
  summary: React.ReactNode;
  /** Null before the first run has finished. `key` changes with the filter, so a new filter shows the skeleton. */
  findings: { key: string; filters: React.ReactNode; list: React.ReactNode } | null;
}) {
  return (
    <>
      <AutoRefresh active={busy} intervalMs={2000} />
      <PageHeader
        title="Hyperscaler Integration Center"
        description="Connect the platform to a cloud provider's device provisioning service, so every device is registered there and lands on the right hub."
      />
      <IntegrationCenterNav showRecords />
      <h2 className="mb-1 text-lg font-semibold text-foreground">{heading}</h2>
      <p className="mb-4 max-w-3xl text-sm text-muted-foreground">{intro}</p>
      {summary}
      {findings ? (
        <>
          {findings.filters}
          <Suspense key={findings.key} fallback={<DevicesTableSkeleton />}>
            {findings.list}
          </Suspense>
        </>
      ) : null}
    </>
  );
}
