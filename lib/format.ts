/** One date format across the app, in UTC so support staff in different time zones quote the same time. */
export function formatDateTime(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
