/** What the devices table's place shows while its rows stream in. */
export function DevicesTableSkeleton() {
  return (
    <div role="status" aria-live="polite" className="grid gap-2">
      <span className="sr-only">Loading devices…</span>
      {Array.from({ length: 8 }, (_, row) => (
        <div key={row} aria-hidden className="h-9 animate-pulse rounded bg-slate-100" />
      ))}
    </div>
  );
}
