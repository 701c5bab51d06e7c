import Link from "next/link";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Button } from "@/components/ui/button";
import { DEVICE_STATUSES } from "@/lib/devices/device-statuses";
import type { DeviceFilter } from "@/lib/validation/device";
import { STATUS_LABELS } from "./status-badge";

/** A plain GET form: the filter lives in the URL, so a support person can share the link. */
export function DevicesFilters({ filter, hubs }: { filter: DeviceFilter; hubs: string[] }) {
  return (
    <form method="get" action="/devices" role="search" aria-label="Filter devices" className="mb-4 flex flex-wrap items-end gap-3">
      <div className="grid gap-1">
        <label htmlFor="filter-q" className="text-xs font-medium text-slate-700">
          Search
        </label>
        <Input id="filter-q" name="q" type="search" defaultValue={filter.q ?? ""} placeholder="Registration ID or name starts with…" className="w-72" />
      </div>
      <div className="grid gap-1">
        <label htmlFor="filter-status" className="text-xs font-medium text-slate-700">
          Status
        </label>
        <Select id="filter-status" name="status" defaultValue={filter.status ?? ""}>
          <option value="">Any status</option>
          {DEVICE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </Select>
      </div>
      <div className="grid gap-1">
        <label htmlFor="filter-hub" className="text-xs font-medium text-slate-700">
          IoT hub
        </label>
        <Select id="filter-hub" name="hub" defaultValue={filter.hub ?? ""}>
          <option value="">Any hub</option>
          <option value="(none)">No hub yet</option>
          {hubs.map((h) => (
            <option key={h} value={h}>
              {h}
            </option>
          ))}
        </Select>
      </div>
      <div className="grid gap-1">
        <label htmlFor="filter-sort" className="text-xs font-medium text-slate-700">
          Sort by
        </label>
        <Select id="filter-sort" name="sort" defaultValue={filter.sort}>
          <option value="registrationId">Registration ID (A–Z)</option>
          <option value="-registrationId">Registration ID (Z–A)</option>
          <option value="-updated">Last updated (newest first)</option>
          <option value="updated">Last updated (oldest first)</option>
        </Select>
      </div>
      <Button type="submit" variant="secondary">
        Apply
      </Button>
      {filter.q || filter.status || filter.hub ? (
        <Link href="/devices" className="self-center text-sm text-blue-700 underline">
          Clear filters
        </Link>
      ) : null}
    </form>
  );
}
