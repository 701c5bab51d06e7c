import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import {
  getRegistrationRecordsOverview,
  listRegistrationFindings,
} from "@/lib/registrations/registrations-dal";
import { registrationRecordsFilterSchema } from "@/lib/validation/registration-records";
import { firstValues } from "@/lib/validation/search-params";
import { Button } from "@/components/ui/button";
import { FindingsPageFrame, isRunBusy } from "@/components/findings/findings-page-frame";
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
  const filter = registrationRecordsFilterSchema.parse(firstValues(await searchParams));
  const rows = listRegistrationFindings(filter);
  rows.catch(() => {}); // if the overview fails first, the page's error is the one to report
  const overview = await getRegistrationRecordsOverview();
  const canReconcile = hasPermission(me.role, "registrations.reconcile");
  const canDelete = hasPermission(me.role, "registrations.delete") && overview.service.canWrite;
  const busy = isRunBusy(overview.current);
  const exportHref = recordsPageLink(
    { finding: filter.finding, hub: filter.hub, q: filter.q },
    "/api/registration-records/export",
  );

  return (
    <FindingsPageFrame
      busy={busy}
      heading="Registration records"
      intro={
        <>
          What Azure DPS holds for the enrollment group, beside the platform&apos;s devices: records in DPS
          only (orphans, often left by removals), devices DPS never saw, and disagreements on hub, status or
          device ID.
        </>
      }
      summary={
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
      }
      findings={
        overview.latest
          ? {
              key: JSON.stringify(filter),
              filters: <FindingsFilters filter={filter} hubs={overview.hubs} />,
              list: <FindingsList rows={rows} filter={filter} canDelete={canDelete} />,
            }
          : null
      }
    />
  );
}
