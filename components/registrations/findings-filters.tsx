import {
  FINDING_FILTER_LABELS,
  FINDING_FILTERS,
  type RegistrationRecordsFilter,
} from "@/lib/validation/registration-records";
import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { FilterBar, FilterField, HubField, SearchField } from "@/components/filters/filter-bar";
import { RECORDS_PAGE } from "./records-page-link";

/** The Registration records view's filters, in the URL like the devices page's. */
export function FindingsFilters({ filter, hubs }: { filter: RegistrationRecordsFilter; hubs: string[] }) {
  const activeCount = [filter.q, filter.hub, filter.finding !== "all" ? filter.finding : undefined].filter(
    Boolean,
  ).length;
  return (
    <FilterBar action={RECORDS_PAGE} label="Filter registration records" activeCount={activeCount}>
      <SearchField id="records-q" defaultValue={filter.q} placeholder="Registration ID starts with…" />
      <FilterField id="records-finding" label="Finding">
        <Select id="records-finding" name="finding" defaultValue={filter.finding}>
          <SelectOptions values={FINDING_FILTERS} label={(value) => FINDING_FILTER_LABELS[value]} />
        </Select>
      </FilterField>
      <HubField id="records-hub" hubs={hubs} defaultValue={filter.hub} />
    </FilterBar>
  );
}
