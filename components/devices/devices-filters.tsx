import Link from "next/link";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { Button } from "@/components/ui/button";
import { DEVICE_STATUSES } from "@/lib/devices/device-statuses";
import type { DeviceFilter } from "@/lib/validation/device";
import { STATUS_LABELS } from "./status-badge";
import { HUB_STATUSES, HUB_STATUS_LABELS } from "@/lib/devices/hub-statuses";
import { CollapsibleFilters } from "./collapsible-filters";

function FilterField({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div className="grid w-full gap-1 sm:w-auto">
      <label htmlFor={id} className="text-xs font-medium text-foreground">
        {label}
      </label>
      {children}
    </div>
  );
}

/** A plain GET form: the filter lives in the URL, so a support person can share the link. */
export function DevicesFilters({ filter, hubs }: { filter: DeviceFilter; hubs: string[] }) {
  const activeCount = [filter.q, filter.status, filter.hubStatus, filter.hub].filter(Boolean).length;
  return (
    <CollapsibleFilters activeCount={activeCount}>
      <form
        method="get"
        action="/devices"
        role="search"
        aria-label="Filter devices"
        className="flex flex-wrap items-end gap-3"
      >
        <FilterField id="filter-q" label="Search">
          <Input
            id="filter-q"
            name="q"
            type="search"
            defaultValue={filter.q ?? ""}
            placeholder="Registration ID or name starts with…"
            className="sm:w-72"
          />
        </FilterField>
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
        <FilterField id="filter-hub" label="IoT hub">
          <Select id="filter-hub" name="hub" defaultValue={filter.hub ?? ""} className="min-w-0">
            <option value="">Any hub</option>
            <option value="(none)">No hub yet</option>
            <SelectOptions values={hubs} />
          </Select>
        </FilterField>
        <FilterField id="filter-sort" label="Sort by">
          <Select id="filter-sort" name="sort" defaultValue={filter.sort}>
            <option value="registrationId">Registration ID (A–Z)</option>
            <option value="-registrationId">Registration ID (Z–A)</option>
            <option value="-updated">Last updated (newest first)</option>
            <option value="updated">Last updated (oldest first)</option>
          </Select>
        </FilterField>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
        {activeCount ? (
          <Link href="/devices" className="self-center text-sm text-link underline">
            Clear filters
          </Link>
        ) : null}
      </form>
    </CollapsibleFilters>
  );
}
