import { DRIFT_FILTER_LABELS, DRIFT_FILTERS, type HubDriftFilter } from "@/lib/validation/hub-drift";
import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { FilterBar, FilterField, HubField, SearchField } from "@/components/filters/filter-bar";
import { DRIFT_PAGE } from "./drift-page-link";

/** The Hub drift view's filters, in the URL like the Registration records view's. */
export function DriftFilters({ filter, hubs }: { filter: HubDriftFilter; hubs: string[] }) {
  const activeCount = [filter.q, filter.hub, filter.finding !== "all" ? filter.finding : undefined].filter(
    Boolean,
  ).length;
  return (
    <FilterBar action={DRIFT_PAGE} label="Filter hub drift" activeCount={activeCount}>
      <SearchField id="drift-q" defaultValue={filter.q} placeholder="Device ID starts with…" />
      <FilterField id="drift-finding" label="Finding">
        <Select id="drift-finding" name="finding" defaultValue={filter.finding}>
          <SelectOptions values={DRIFT_FILTERS} label={(value) => DRIFT_FILTER_LABELS[value]} />
        </Select>
      </FilterField>
      <HubField id="drift-hub" hubs={hubs} defaultValue={filter.hub} />
    </FilterBar>
  );
}
