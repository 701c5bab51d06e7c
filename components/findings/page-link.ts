/** A list page's URL with only the parameters that are set: filters live in the URL, so links can be shared. */
export function pageLink(base: string, params: Record<string, string | undefined>): string {
  const search = new URLSearchParams(
    Object.entries(params).filter(
      (entry): entry is [string, string] => Boolean(entry[1]) && entry[1] !== "all",
    ),
  );
  const text = search.toString();
  return text ? `${base}?${text}` : base;
}
