/** A page's query as one value per name (the first of a repeated one), as the filter schemas read it. */
export function firstValues(
  raw: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}
