import type { Metadata } from "next";
import { Suspense } from "react";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import { getHubDriftOverview, listHubDriftFindings } from "@/lib/hubs/drift/hub-drift-dal";
import { hubDriftFilterSchema } from "@/lib/validation/hub-drift";
import { PageHeader } from "@/components/shell/page-header";
import { IntegrationCenterNav } from "@/components/integrations/integration-center-nav";
import { AutoRefresh } from "@/components/devices/auto-refresh";
import { DevicesTableSkeleton } from "@/components/devices/devices-table-skeleton";
import { DriftFilters } from "@/components/hubs/drift/drift-filters";
import { DriftList } from "@/components/hubs/drift/drift-list";
import { DriftSummary } from "@/components/hubs/drift/drift-summary";
import { RequestDriftButton } from "@/components/hubs/drift/request-drift-button";

export const metadata: Metadata = { title: "Hub drift" };

export default async function HubDriftPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const me = await guardPage("registrations.view");
  const raw = await searchParams;
  const filter = hubDriftFilterSchema.parse(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
  );
  const rows = listHubDriftFindings(filter);
  rows.catch(() => {}); // if the overview fails first, the page's error is the one to report
  const overview = await getHubDriftOverview();
  const canRun = hasPermission(me.role, "registrations.reconcile");
  const deletableHubs = hasPermission(me.role, "registrations.delete")
    ? overview.credentials.filter((hub) => hub.canWrite).map((hub) => hub.hubHost)
    : [];
  const busy = overview.current?.status === "queued" || overview.current?.status === "running";

  return (
    <>
      <AutoRefresh active={busy} intervalMs={2000} />
      <PageHeader
        title="Hyperscaler Integration Center"
        description="Connect the platform to a cloud provider's device provisioning service, so every device is registered there and lands on the right hub."
      />
      <IntegrationCenterNav showRecords />
      <h2 className="mb-1 text-lg font-semibold text-foreground">Hub drift</h2>
      <p className="mb-4 max-w-3xl text-sm text-muted-foreground">
        What each IoT hub with saved credentials holds, beside the platform&apos;s devices and DPS&apos;s
        registration records (as the last reconciliation read them): devices with no identity where they are
        assigned, disabled identities, identities nobody knows (orphans), device IDs that differ from the
        registration ID, and identities left in a hub the device has moved away from.
      </p>
      <DriftSummary
        latest={overview.latest}
        current={overview.current}
        blocker={overview.blocker}
        actions={canRun && !overview.blocker ? <RequestDriftButton busy={busy} /> : null}
      />
      {overview.latest ? (
        <>
          <DriftFilters filter={filter} hubs={overview.hubs} />
          <Suspense key={JSON.stringify(filter)} fallback={<DevicesTableSkeleton />}>
            <DriftList rows={rows} filter={filter} deletableHubs={deletableHubs} />
          </Suspense>
        </>
      ) : null}
    </>
  );
}
