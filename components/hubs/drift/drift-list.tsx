import Link from "next/link";
import type { DriftFindingsPage } from "@/lib/hubs/drift/list-drift-findings";
import type { HubDriftFilter } from "@/lib/validation/hub-drift";
import { DriftTable } from "./drift-table";
import { driftPageLink } from "./drift-page-link";

/** One page of drift findings with its paging links; streamed inside a Suspense boundary so the summary shows first. */
export async function DriftList({
  rows,
  filter,
  deletableHubs,
}: {
  rows: Promise<DriftFindingsPage>;
  filter: HubDriftFilter;
  deletableHubs: string[];
}) {
  const page = await rows;
  const base = { finding: filter.finding, hub: filter.hub, q: filter.q };
  return (
    <>
      <DriftTable findings={page.findings} deletableHubs={new Set(deletableHubs)} />
      <nav aria-label="Pages" className="mt-4 flex gap-4 text-sm">
        {filter.after || filter.before ? (
          <Link href={driftPageLink(base)} className="text-link underline">
            First page
          </Link>
        ) : null}
        {page.prevCursor ? (
          <Link href={driftPageLink({ ...base, before: page.prevCursor })} className="text-link underline">
            Previous page
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link href={driftPageLink({ ...base, after: page.nextCursor })} className="text-link underline">
            Next page
          </Link>
        ) : null}
      </nav>
    </>
  );
}
