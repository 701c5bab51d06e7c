import { pageLink } from "@/components/findings/page-link";

export const DRIFT_PAGE = "/admin/hyperscaler-integration-center/hub-drift";

/** The Hub drift URL with only the parameters that are set. */
export function driftPageLink(params: Record<string, string | undefined>): string {
  return pageLink(DRIFT_PAGE, params);
}
