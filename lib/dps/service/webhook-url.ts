/**
 * A custom-allocation webhook URL usually carries the Azure Function's key (`?code=…`). The query
 * string is shown to no one; administrators, who manage the integration, see the scheme, host and
 * path; everyone else sees the host alone. A value that is no URL shows as nothing.
 */
export function webhookUrlForViewer(url: string | null, canManage: boolean): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return canManage ? `${parsed.origin}${parsed.pathname}` : parsed.host;
}
