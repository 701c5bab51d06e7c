/** An integration tile's place while its state is read. */
export function TileSkeleton({ name }: { name: string }) {
  return (
    <div role="status" aria-live="polite" className="h-64 max-w-3xl animate-pulse rounded-lg bg-slate-100">
      <span className="sr-only">Loading {name}…</span>
    </div>
  );
}
