export const DRIFT_PAGE = "/admin/hyperscaler-integration-center/hub-drift";

/** The Hub drift URL with only the parameters that are set: filters live in the URL, so links can be shared. */
export function driftPageLink(params: Record<string, string | undefined>, base = DRIFT_PAGE): string {
  const search = new URLSearchParams(
    Object.entries(params).filter(
      (entry): entry is [string, string] => Boolean(entry[1]) && entry[1] !== "all",
    ),
  );
  const text = search.toString();
  return text ? `${base}?${text}` : base;
}
