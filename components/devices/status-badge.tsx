import { Badge } from "@/components/ui/badge";
import type { DeviceStatus } from "@/lib/devices/device-statuses";

const TONE = {
  pending: "neutral",
  assigning: "info",
  assigned: "success",
  failed: "danger",
  disabled: "warning",
} as const;
export const STATUS_LABELS: Record<DeviceStatus, string> = {
  pending: "Pending",
  assigning: "Assigning",
  assigned: "Assigned",
  failed: "Failed",
  disabled: "Disabled",
};

export function StatusBadge({ status }: { status: DeviceStatus }) {
  return <Badge tone={TONE[status]}>{STATUS_LABELS[status]}</Badge>;
}
