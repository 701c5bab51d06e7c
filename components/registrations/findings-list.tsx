import { FindingsPager } from "@/components/findings/findings-pager";
import type { FindingsPage } from "@/lib/registrations/list-findings";
import type { RegistrationRecordsFilter } from "@/lib/validation/registration-records";
import { FindingsTable } from "./findings-table";
import { recordsPageLink } from "./records-page-link";

/** One page of findings with its paging links; streamed inside a Suspense boundary so the summary shows first. */
export async function FindingsList({
  rows,
  filter,
  canDelete,
}: {
  rows: Promise<FindingsPage>;
  filter: RegistrationRecordsFilter;
  canDelete: boolean;
}) {
  const page = await rows;
  return (
    <>
      <FindingsTable findings={page.findings} canDelete={canDelete} />
      <FindingsPager filter={filter} page={page} link={recordsPageLink} />
    </>
  );
}
