import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { FilterBar, FilterField, HubField, SearchField } from "@/components/filters/filter-bar";

/** A run's findings filtered by a key prefix, the kind of finding and the hub, in the URL like the devices page's. */
export function FindingsFilterBar<F extends string>({
  action,
  label,
  idPrefix,
  placeholder,
  filter,
  findings,
  findingLabels,
  hubs,
}: {
  action: string;
  label: string;
  /** Unique per page, so each field's label names it. */
  idPrefix: string;
  placeholder: string;
  filter: { q?: string; hub?: string; finding: F };
  findings: readonly F[];
  findingLabels: Record<F, string>;
  hubs: string[];
}) {
  const activeCount = [filter.q, filter.hub, filter.finding !== "all" ? filter.finding : undefined].filter(
    Boolean,
  ).length;
  return (
    <FilterBar action={action} label={label} activeCount={activeCount}>
      <SearchField id={`${idPrefix}-q`} defaultValue={filter.q} placeholder={placeholder} />
      <FilterField id={`${idPrefix}-finding`} label="Finding">
        <Select id={`${idPrefix}-finding`} name="finding" defaultValue={filter.finding}>
          <SelectOptions values={findings} label={(value) => findingLabels[value]} />
        </Select>
      </FilterField>
      <HubField id={`${idPrefix}-hub`} hubs={hubs} defaultValue={filter.hub} />
    </FilterBar>
  );
}
