import Link from "next/link";
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
  const base = { finding: filter.finding, hub: filter.hub, q: filter.q };
  return (
    <>
      <FindingsTable findings={page.findings} canDelete={canDelete} />
      <nav aria-label="Pages" className="mt-4 flex gap-4 text-sm">
        {filter.after || filter.before ? (
          <Link href={recordsPageLink(base)} className="text-link underline">
            First page
          </Link>
        ) : null}
        {page.prevCursor ? (
          <Link href={recordsPageLink({ ...base, before: page.prevCursor })} className="text-link underline">
            Previous page
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link href={recordsPageLink({ ...base, after: page.nextCursor })} className="text-link underline">
            Next page
          </Link>
        ) : null}
      </nav>
    </>
  );
}
