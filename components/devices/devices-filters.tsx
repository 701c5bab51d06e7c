import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { DEVICE_STATUSES } from "@/lib/devices/device-statuses";
import type { DeviceFilter } from "@/lib/validation/device";
import { STATUS_LABELS } from "./status-badge";
import { FilterBar, FilterField, HubField, SearchField } from "@/components/filters/filter-bar";
import { HUB_STATUSES, HUB_STATUS_LABELS } from "@/lib/devices/hub-statuses";

/** The devices page's filters (in the URL: ./devices-page-link.ts reads them back). */
export function DevicesFilters({ filter, hubs }: { filter: DeviceFilter; hubs: string[] }) {
  const activeCount = [filter.q, filter.status, filter.hubStatus, filter.hub].filter(Boolean).length;
  return (
    <FilterBar action="/devices" label="Filter devices" activeCount={activeCount}>
      <SearchField id="filter-q" defaultValue={filter.q} placeholder="Registration ID or name starts with…" />
      <FilterField id="filter-status" label="Status">
        <Select id="filter-status" name="status" defaultValue={filter.status ?? ""}>
          <option value="">Any status</option>
          <SelectOptions values={DEVICE_STATUSES} label={(status) => STATUS_LABELS[status]} />
        </Select>
      </FilterField>
      <FilterField id="filter-hub-status" label="Hub status">
        <Select id="filter-hub-status" name="hubStatus" defaultValue={filter.hubStatus ?? ""}>
          <option value="">Any hub status</option>
          <SelectOptions values={HUB_STATUSES} label={(status) => HUB_STATUS_LABELS[status]} />
        </Select>
      </FilterField>
      <HubField id="filter-hub" hubs={hubs} defaultValue={filter.hub} withNone />
      <FilterField id="filter-sort" label="Sort by">
        <Select id="filter-sort" name="sort" defaultValue={filter.sort}>
          <option value="registrationId">Registration ID (A–Z)</option>
          <option value="-registrationId">Registration ID (Z–A)</option>
          <option value="-updated">Last updated (newest first)</option>
          <option value="updated">Last updated (oldest first)</option>
        </Select>
      </FilterField>
    </FilterBar>
  );
}
