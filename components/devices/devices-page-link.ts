export type DevicesLinkParams = Record<string, string | undefined>;

/** A devices page URL with only the parameters that are set: filters live in the URL, so links can be shared. */
export function devicesPageLink(params: DevicesLinkParams): string {
  const search = new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
  const text = search.toString();
  return text ? `/devices?${text}` : "/devices";
}
