import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { SelectOptions } from "@/components/ui/select-options";
import { CollapsibleFilters } from "./collapsible-filters";

/**
 * A list page's filters as a plain GET form: the filter lives in the URL, so a support person can
 * share the link. Apply submits; "Clear filters" shows while any is on. Folds away on a phone.
 */
export function FilterBar({
  action,
  label,
  activeCount,
  children,
}: {
  /** The page the form reloads with the filter in its query. */
  action: string;
  /** The search landmark's name, e.g. "Filter devices". */
  label: string;
  activeCount: number;
  children: React.ReactNode;
}) {
  return (
    <CollapsibleFilters activeCount={activeCount}>
      <form
        method="get"
        action={action}
        role="search"
        aria-label={label}
        className="flex flex-wrap items-end gap-3"
      >
        {children}
        <Button type="submit" variant="secondary">
          Apply
        </Button>
        {activeCount ? (
          <Link href={action} className="self-center text-sm text-link underline">
            Clear filters
          </Link>
        ) : null}
      </form>
    </CollapsibleFilters>
  );
}

/** One labelled field of a filter bar. */
export function FilterField({
  id,
  label,
  children,
}: {
  id: string;
  label: string;
  children: React.ReactNode;
}) {
  return (
    <div className="grid w-full gap-1 sm:w-auto">
      <label htmlFor={id} className="text-xs font-medium text-foreground">
        {label}
      </label>
      {children}
    </div>
  );
}

/** The search box each list's filter bar starts with (`q`: the start of an ID, or of a name). */
export function SearchField({
  id,
  defaultValue,
  placeholder,
}: {
  id: string;
  defaultValue: string | undefined;
  placeholder: string;
}) {
  return (
    <FilterField id={id} label="Search">
      <Input
        id={id}
        name="q"
        type="search"
        defaultValue={defaultValue ?? ""}
        placeholder={placeholder}
        className="sm:w-72"
      />
    </FilterField>
  );
}

/** The IoT hub a listed item is on; `withNone` adds the "No hub yet" choice (value `(none)`). */
export function HubField({
  id,
  hubs,
  defaultValue,
  withNone = false,
}: {
  id: string;
  hubs: string[];
  defaultValue: string | undefined;
  withNone?: boolean;
}) {
  return (
    <FilterField id={id} label="IoT hub">
      <Select id={id} name="hub" defaultValue={defaultValue ?? ""} className="min-w-0">
        <option value="">Any hub</option>
        {withNone ? <option value="(none)">No hub yet</option> : null}
        <SelectOptions values={hubs} />
      </Select>
    </FilterField>
  );
}
