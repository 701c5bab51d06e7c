import { Badge } from "@/components/ui/badge";
import { HUB_STATUS_LABELS, type HubStatus } from "@/lib/devices/hub-statuses";
import type { DeviceDto } from "@/lib/devices/device-dto";
import { formatDateTime } from "@/lib/format";

const TONE = {
  unchecked: "neutral",
  connected: "success",
  refused: "danger",
  unreachable: "warning",
} as const;

export function HubStatusBadge({ status }: { status: HubStatus }) {
  return <Badge tone={TONE[status]}>{HUB_STATUS_LABELS[status]}</Badge>;
}

/** The hub status for a list: the badge, and for a refusal or an unreachable hub the one-line reason. */
export function HubStatusSummary({
  device,
}: {
  device: Pick<DeviceDto, "hubStatus" | "hubErrorCode" | "hubCheckedAt" | "hubCheckPending">;
}) {
  const code = device.hubStatus === "refused" && device.hubErrorCode ? ` (code ${device.hubErrorCode})` : "";
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <HubStatusBadge status={device.hubStatus} />
      {code ? <span className="text-xs text-muted-foreground">{code}</span> : null}
      {device.hubStatus === "connected" && device.hubCheckedAt ? (
        <span className="sr-only">at {formatDateTime(device.hubCheckedAt)}</span>
      ) : null}
      {device.hubCheckPending && device.hubStatus !== "connected" ? (
        <span className="text-xs text-muted-foreground">check due</span>
      ) : null}
    </span>
  );
}
