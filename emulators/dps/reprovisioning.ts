export type Substatus =
  "initialAssignment" | "deviceDataMigrated" | "deviceDataReset" | "reprovisionedToInitialAssignment";

export type ReprovisionPolicy = { updateHubAssignment: boolean; migrateDeviceData: boolean };

/**
 * Where a (re-)registering device ends up and the substatus DPS reports for it (docs/dps-protocol.md §3.2):
 * never-re-provision keeps the current hub; a move reports whether the device data followed it.
 */
export function settleAssignment(
  previousHub: string | undefined,
  proposedHub: string,
  policy: ReprovisionPolicy,
): { hub: string; substatus: Substatus } {
  if (previousHub === undefined) return { hub: proposedHub, substatus: "initialAssignment" };
  if (!policy.updateHubAssignment || previousHub.toLowerCase() === proposedHub.toLowerCase()) {
    return { hub: previousHub, substatus: "reprovisionedToInitialAssignment" };
  }
  return { hub: proposedHub, substatus: policy.migrateDeviceData ? "deviceDataMigrated" : "deviceDataReset" };
}
