import { pageLink } from "@/components/findings/page-link";

export const RECORDS_PAGE = "/admin/hyperscaler-integration-center/registration-records";

/** The Registration records URL with only the parameters that are set. */
export function recordsPageLink(params: Record<string, string | undefined>, base = RECORDS_PAGE): string {
  return pageLink(base, params);
}
