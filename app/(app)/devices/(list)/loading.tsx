import { DevicesTableSkeleton } from "@/components/devices/devices-table-skeleton";

/**
 * The devices list's shape while its counts are read; the rows then stream in on their own.
 * It sits in the (list) route group so it does not wrap a device's page, whose unknown ids must
 * still answer 404: once a loading state has been streamed, the status is already 200.
 */
export default function Loading() {
  return (
    <div className="grid gap-6">
      <div aria-hidden className="h-8 w-40 animate-pulse rounded bg-slate-100" />
      <div aria-hidden className="grid gap-4 lg:grid-cols-3">
        {[0, 1, 2].map((card) => (
          <div key={card} className="h-40 animate-pulse rounded-lg bg-slate-100" />
        ))}
      </div>
      <DevicesTableSkeleton />
    </div>
  );
}
