import Link from "next/link";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Button } from "@/components/ui/button";
import { DEVICE_STATUSES, type DeviceFilter } from "@/lib/validation/device";
import { STATUS_LABELS } from "./status-badge";
import { CollapsibleFilters } from "./collapsible-filters";

const FIELD = "grid w-full gap-1 sm:w-auto";
const LABEL = "text-xs font-medium text-foreground";

/** A plain GET form: the filter lives in the URL, so a support person can share the link. */
export function DevicesFilters({ filter, hubs }: { filter: DeviceFilter; hubs: string[] }) {
  const activeCount = [filter.q, filter.status, filter.hub].filter(Boolean).length;
  return (
    <CollapsibleFilters activeCount={activeCount}>
      <form method="get" action="/devices" role="search" aria-label="Filter devices" className="flex flex-wrap items-end gap-3">
        <div className={FIELD}>
          <label htmlFor="filter-q" className={LABEL}>
            Search
          </label>
          <Input id="filter-q" name="q" type="search" defaultValue={filter.q ?? ""} placeholder="Registration ID or name starts with…" className="sm:w-72" />
        </div>
        <div className={FIELD}>
          <label htmlFor="filter-status" className={LABEL}>
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
        <div className={FIELD}>
          <label htmlFor="filter-hub" className={LABEL}>
            IoT hub
          </label>
          <Select id="filter-hub" name="hub" defaultValue={filter.hub ?? ""} className="min-w-0">
            <option value="">Any hub</option>
            <option value="(none)">No hub yet</option>
            {hubs.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </Select>
        </div>
        <div className={FIELD}>
          <label htmlFor="filter-sort" className={LABEL}>
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
        {activeCount ? (
          <Link href="/devices" className="self-center text-sm text-link underline">
            Clear filters
          </Link>
        ) : null}
      </form>
    </CollapsibleFilters>
  );
}
