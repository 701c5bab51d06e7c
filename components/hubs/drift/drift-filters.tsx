import { DRIFT_FILTER_LABELS, DRIFT_FILTERS, type HubDriftFilter } from "@/lib/validation/hub-drift";
import { FindingsFilterBar } from "@/components/findings/findings-filter-bar";
import { DRIFT_PAGE } from "./drift-page-link";

/** The Hub drift view's filters, in the URL like the Registration records view's. */
export function DriftFilters({ filter, hubs }: { filter: HubDriftFilter; hubs: string[] }) {
  return (
    <FindingsFilterBar
      action={DRIFT_PAGE}
      label="Filter hub drift"
      idPrefix="drift"
      placeholder="Device ID starts with…"
      filter={filter}
      findings={DRIFT_FILTERS}
      findingLabels={DRIFT_FILTER_LABELS}
      hubs={hubs}
    />
  );
}
