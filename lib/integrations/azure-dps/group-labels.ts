import type { AllocationPolicy, ReprovisionPolicy } from "@/lib/dps/service/wire";

/** The enrollment group's settings in the Azure portal's words, so what the tile says matches what an administrator sees there. Pure. */
export const ALLOCATION_POLICY_LABELS: Record<AllocationPolicy, string> = {
  hashed: "Evenly weighted distribution",
  geoLatency: "Lowest latency",
  static: "Static configuration",
  custom: "Custom (Azure Function)",
};

export function reprovisionPolicyLabel(policy: ReprovisionPolicy | null): string {
  // DPS's default when a group names none.
  if (policy === null || (policy.updateHubAssignment && policy.migrateDeviceData))
    return "Re-provision and migrate data";
  if (policy.updateHubAssignment) return "Re-provision and reset to initial config";
  return "Never re-provision";
}

/** The hubs a group may assign to; an empty list means every hub linked to the DPS instance. */
export function linkedHubsLabel(iotHubs: readonly string[], iotHubHostName: string | null): string[] {
  if (iotHubs.length > 0) return [...iotHubs];
  if (iotHubHostName) return [iotHubHostName];
  return [];
}
