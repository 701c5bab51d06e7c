import {
  FINDING_FILTER_LABELS,
  FINDING_FILTERS,
  type RegistrationRecordsFilter,
} from "@/lib/validation/registration-records";
import { FindingsFilterBar } from "@/components/findings/findings-filter-bar";
import { RECORDS_PAGE } from "./records-page-link";

/** The Registration records view's filters, in the URL like the devices page's. */
export function FindingsFilters({ filter, hubs }: { filter: RegistrationRecordsFilter; hubs: string[] }) {
  return (
    <FindingsFilterBar
      action={RECORDS_PAGE}
      label="Filter registration records"
      idPrefix="records"
      placeholder="Registration ID starts with…"
      filter={filter}
      findings={FINDING_FILTERS}
      findingLabels={FINDING_FILTER_LABELS}
      hubs={hubs}
    />
  );
}
