/** Shown at once on navigation while a page of the signed-in area is read on the server. */
export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="grid gap-4">
      <span className="sr-only">Loading…</span>
      <div aria-hidden className="h-8 w-64 animate-pulse rounded bg-slate-100" />
      <div aria-hidden className="h-4 w-96 max-w-full animate-pulse rounded bg-slate-100" />
      <div aria-hidden className="h-48 animate-pulse rounded-lg bg-slate-100" />
    </div>
  );
}
