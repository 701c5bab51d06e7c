import type { Metadata } from "next";
import { Suspense } from "react";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import {
  getRegistrationRecordsOverview,
  listRegistrationFindings,
} from "@/lib/registrations/registrations-dal";
import { registrationRecordsFilterSchema } from "@/lib/validation/registration-records";
import { PageHeader } from "@/components/shell/page-header";
import { Button } from "@/components/ui/button";
import { IntegrationCenterNav } from "@/components/integrations/integration-center-nav";
import { AutoRefresh } from "@/components/devices/auto-refresh";
import { DevicesTableSkeleton } from "@/components/devices/devices-table-skeleton";
import { FindingsFilters } from "@/components/registrations/findings-filters";
import { FindingsList } from "@/components/registrations/findings-list";
import { ReconcileButton } from "@/components/registrations/reconcile-button";
import { ReconciliationSummary } from "@/components/registrations/reconciliation-summary";
import { recordsPageLink } from "@/components/registrations/records-page-link";

export const metadata: Metadata = { title: "Registration records" };

export default async function RegistrationRecordsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const me = await guardPage("registrations.view");
  const raw = await searchParams;
  const filter = registrationRecordsFilterSchema.parse(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
  );
  const rows = listRegistrationFindings(filter);
  rows.catch(() => {}); // if the overview fails first, the page's error is the one to report
  const overview = await getRegistrationRecordsOverview();
  const canReconcile = hasPermission(me.role, "registrations.reconcile");
  const canDelete = hasPermission(me.role, "registrations.delete") && overview.service.canWrite;
  const busy = overview.current?.status === "queued" || overview.current?.status === "running";
  const exportHref = recordsPageLink(
    { finding: filter.finding, hub: filter.hub, q: filter.q },
    "/api/registration-records/export",
  );

  return (
    <>
      <AutoRefresh active={busy} intervalMs={2000} />
      <PageHeader
        title="Hyperscaler Integration Center"
        description="Connect the platform to a cloud provider's device provisioning service, so every device is registered there and lands on the right hub."
      />
      <IntegrationCenterNav showRecords />
      <h2 className="mb-1 text-lg font-semibold text-foreground">Registration records</h2>
      <p className="mb-4 max-w-3xl text-sm text-muted-foreground">
        What Azure DPS holds for the enrollment group, beside the platform&apos;s devices: records in DPS only
        (orphans, often left by removals), devices DPS never saw, and disagreements on hub, status or device
        ID.
      </p>
      <ReconciliationSummary
        latest={overview.latest}
        current={overview.current}
        blocker={overview.blocker}
        actions={
          <>
            {canReconcile && !overview.blocker ? <ReconcileButton busy={busy} /> : null}
            {overview.latest ? (
              <Button asChild variant="secondary">
                <a href={exportHref}>Export CSV</a>
              </Button>
            ) : null}
          </>
        }
      />
      {overview.latest ? (
        <>
          <FindingsFilters filter={filter} hubs={overview.hubs} />
          <Suspense key={JSON.stringify(filter)} fallback={<DevicesTableSkeleton />}>
            <FindingsList rows={rows} filter={filter} canDelete={canDelete} />
          </Suspense>
        </>
      ) : null}
    </>
  );
}
