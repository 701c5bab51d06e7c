import Link from "next/link";
import type { DeviceDto } from "@/lib/devices/device-dto";
import { formatDateTime } from "@/lib/format";
import { StatusBadge } from "./status-badge";
import { HubStatusSummary } from "./hub-status-badge";
import { DeviceErrorSummary, explainDeviceError } from "./device-error";

/**
 * The devices list on a phone: one card per device with Registration ID, Status and the Assigned
 * IoT hub on top (the question support staff come with), wrapping instead of scrolling sideways.
 */
export function DeviceCardList({
  devices,
  selected,
  onToggle,
  className,
}: {
  devices: DeviceDto[];
  selected: Set<number> | null;
  onToggle: (id: number) => void;
  className?: string;
}) {
  if (devices.length === 0) {
    return (
      <p
        className={`rounded-lg border border-border bg-card px-4 py-8 text-center text-sm text-muted-foreground ${className ?? ""}`}
      >
        No devices match. Add a device or import a CSV file, or clear the filters.
      </p>
    );
  }
  return (
    <ul aria-label="Devices" className={`grid gap-2 ${className ?? ""}`}>
      {devices.map((d) => (
        <li key={d.id} className="rounded-lg border border-border bg-card p-3 text-sm">
          <div className="flex items-start gap-3">
            {selected ? (
              <input
                type="checkbox"
                className="mt-0.5 size-4 shrink-0 accent-primary"
                aria-label={`Select ${d.registrationId}`}
                checked={selected.has(d.id)}
                onChange={() => onToggle(d.id)}
              />
            ) : null}
            <Link
              href={`/devices/${d.id}`}
              className="min-w-0 flex-1 break-all font-mono text-sm font-medium text-link underline underline-offset-2"
            >
              {d.registrationId}
            </Link>
            <StatusBadge status={d.status} />
          </div>
          <dl className="mt-2 grid gap-1.5">
            <div>
              <dt className="text-xs text-muted-foreground">Assigned IoT hub</dt>
              <dd className="break-all font-mono text-xs">{d.assignedHub ?? "No hub yet"}</dd>
            </div>
            <div>
              <dt className="text-xs text-muted-foreground">Hub status</dt>
              <dd>
                <HubStatusSummary device={d} />
              </dd>
            </div>
            {d.name ? (
              <div>
                <dt className="text-xs text-muted-foreground">Name</dt>
                <dd className="wrap-anywhere">{d.name}</dd>
              </div>
            ) : null}
            {explainDeviceError(d) ? (
              <div>
                <dt className="text-xs text-muted-foreground">Last error</dt>
                <dd className="text-xs">
                  <DeviceErrorSummary device={d} />
                </dd>
              </div>
            ) : null}
            <div>
              <dt className="text-xs text-muted-foreground">Last updated</dt>
              <dd className="text-xs">{formatDateTime(d.updatedAt)}</dd>
            </div>
          </dl>
        </li>
      ))}
    </ul>
  );
}
