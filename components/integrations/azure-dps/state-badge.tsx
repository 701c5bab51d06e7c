import { Badge } from "@/components/ui/badge";
import type { DpsIntegrationState } from "@/lib/integrations/azure-dps/integration-dto";

const LOOK: Record<DpsIntegrationState, { label: string; tone: "neutral" | "success" | "warning" }> = {
  "not-connected": { label: "Not connected", tone: "neutral" },
  connected: { label: "Connected", tone: "success" },
  unreachable: { label: "DPS unreachable", tone: "warning" },
  "needs-attention": { label: "Needs attention", tone: "warning" },
};

export function DpsStateBadge({ state }: { state: DpsIntegrationState }) {
  const { label, tone } = LOOK[state];
  return (
    <Badge tone={tone} className="gap-1.5 px-2.5 py-1">
      <span
        aria-hidden
        className={`size-1.5 rounded-full ${tone === "success" ? "bg-green-600" : tone === "warning" ? "bg-amber-500" : "bg-slate-400"}`}
      />
      {label}
    </Badge>
  );
}
