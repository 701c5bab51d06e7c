import Link from "next/link";
import {
  FINDING_FILTER_LABELS,
  FINDING_FILTERS,
  type RegistrationRecordsFilter,
} from "@/lib/validation/registration-records";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { Button } from "@/components/ui/button";
import { CollapsibleFilters } from "@/components/devices/collapsible-filters";
import { RECORDS_PAGE } from "./records-page-link";

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

/** A plain GET form, like the devices page's: the filter lives in the URL. */
export function FindingsFilters({ filter, hubs }: { filter: RegistrationRecordsFilter; hubs: string[] }) {
  const activeCount = [filter.q, filter.hub, filter.finding !== "all" ? filter.finding : undefined].filter(
    Boolean,
  ).length;
  return (
    <CollapsibleFilters activeCount={activeCount}>
      <form
        method="get"
        action={RECORDS_PAGE}
        role="search"
        aria-label="Filter registration records"
        className="flex flex-wrap items-end gap-3"
      >
        <FilterField id="records-q" label="Search">
          <Input
            id="records-q"
            name="q"
            type="search"
            defaultValue={filter.q ?? ""}
            placeholder="Registration ID starts with…"
            className="sm:w-72"
          />
        </FilterField>
        <FilterField id="records-finding" label="Finding">
          <Select id="records-finding" name="finding" defaultValue={filter.finding}>
            <SelectOptions values={FINDING_FILTERS} label={(value) => FINDING_FILTER_LABELS[value]} />
          </Select>
        </FilterField>
        <FilterField id="records-hub" label="IoT hub">
          <Select id="records-hub" name="hub" defaultValue={filter.hub ?? ""} className="min-w-0">
            <option value="">Any hub</option>
            <SelectOptions values={hubs} />
          </Select>
        </FilterField>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
        {activeCount ? (
          <Link href={RECORDS_PAGE} className="self-center text-sm text-link underline">
            Clear filters
          </Link>
        ) : null}
      </form>
    </CollapsibleFilters>
  );
}
