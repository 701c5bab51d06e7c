import { FindingsPager } from "@/components/findings/findings-pager";
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
  return (
    <>
      <DriftTable findings={page.findings} deletableHubs={new Set(deletableHubs)} />
      <FindingsPager filter={filter} page={page} link={driftPageLink} />
    </>
  );
}
