import type { EnrollmentGroupSummary } from "@/lib/dps/service/probe";
import {
  ALLOCATION_POLICY_LABELS,
  linkedHubsLabel,
  reprovisionPolicyLabel,
} from "@/lib/integrations/azure-dps/group-labels";
import { Badge } from "@/components/ui/badge";
import { Fact } from "./fact";

/** The enrollment group at a glance: the settings that decide whether and where DPS puts a device. */
export function EnrollmentGroupFacts({ group }: { group: EnrollmentGroupSummary }) {
  const hubs = linkedHubsLabel(group.iotHubs, group.iotHubHostName);
  return (
    <>
      <Fact label="Provisioning status">
        {group.provisioningStatus === "disabled" ? (
          <Badge tone="warning">Disabled</Badge>
        ) : group.provisioningStatus === "enabled" ? (
          <Badge tone="success">Enabled</Badge>
        ) : (
          "Not reported"
        )}
      </Fact>
      <Fact label="Allocation policy">
        {group.allocationPolicy ? ALLOCATION_POLICY_LABELS[group.allocationPolicy] : "Not reported"}
        {group.allocationPolicy === "custom" && group.customAllocationWebhookUrl ? (
          <span className="block break-all text-xs text-muted-foreground">
            {group.customAllocationWebhookUrl}
          </span>
        ) : null}
      </Fact>
      <Fact label="IoT hubs it may assign to">
        {hubs.length === 0 ? (
          "Every hub linked to the DPS instance"
        ) : (
          <ul className="grid gap-0.5">
            {hubs.map((hub) => (
              <li key={hub} className="break-all font-mono text-xs">
                {hub}
              </li>
            ))}
          </ul>
        )}
      </Fact>
      <Fact label="Re-provisioning">{reprovisionPolicyLabel(group.reprovisionPolicy)}</Fact>
    </>
  );
}
