/** A device's page while its details and history are read. */
export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="grid gap-6">
      <span className="sr-only">Loading the device…</span>
      <div aria-hidden className="h-8 w-72 animate-pulse rounded bg-slate-100" />
      <div aria-hidden className="grid gap-6 lg:grid-cols-2">
        <div className="h-72 animate-pulse rounded-lg bg-slate-100" />
        <div className="h-72 animate-pulse rounded-lg bg-slate-100" />
      </div>
    </div>
  );
}
