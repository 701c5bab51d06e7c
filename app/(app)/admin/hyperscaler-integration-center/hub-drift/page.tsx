import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import { getHubDriftOverview, listHubDriftFindings } from "@/lib/hubs/drift/hub-drift-dal";
import { hubDriftFilterSchema } from "@/lib/validation/hub-drift";
import { firstValues } from "@/lib/validation/search-params";
import { FindingsPageFrame, isRunBusy } from "@/components/findings/findings-page-frame";
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
  const filter = hubDriftFilterSchema.parse(firstValues(await searchParams));
  const rows = listHubDriftFindings(filter);
  rows.catch(() => {}); // if the overview fails first, the page's error is the one to report
  const overview = await getHubDriftOverview();
  const canRun = hasPermission(me.role, "registrations.reconcile");
  const deletableHubs = hasPermission(me.role, "registrations.delete")
    ? overview.credentials.filter((hub) => hub.canWrite).map((hub) => hub.hubHost)
    : [];
  const busy = isRunBusy(overview.current);

  return (
    <FindingsPageFrame
      busy={busy}
      heading="Hub drift"
      intro={
        <>
          What each IoT hub with saved credentials holds, beside the platform&apos;s devices and DPS&apos;s
          registration records (as the last reconciliation read them): devices with no identity where they are
          assigned, disabled identities, identities nobody knows (orphans), device IDs that differ from the
          registration ID, and identities left in a hub the device has moved away from.
        </>
      }
      summary={
        <DriftSummary
          latest={overview.latest}
          current={overview.current}
          blocker={overview.blocker}
          actions={canRun && !overview.blocker ? <RequestDriftButton busy={busy} /> : null}
        />
      }
      findings={
        overview.latest
          ? {
              key: JSON.stringify(filter),
              filters: <DriftFilters filter={filter} hubs={overview.hubs} />,
              list: <DriftList rows={rows} filter={filter} deletableHubs={deletableHubs} />,
            }
          : null
      }
    />
  );
}
