import {
  DRIFT_KIND_HINTS,
  DRIFT_KIND_LABELS,
  type DriftFindingDto,
  type HubDriftKind,
} from "@/lib/hubs/drift/drift-finding-dto";
import { formatDateTime } from "@/lib/format";
import { Badge } from "@/components/ui/badge";
import { TableCell, TableRow } from "@/components/ui/table";
import { DeviceLink, FindingsTableFrame, none } from "@/components/findings/findings-table-frame";
import { DeleteOrphanIdentityDialog } from "./delete-orphan-identity-dialog";

const HEADINGS = [
  "IoT hub",
  "Device ID",
  "Finding",
  "Registration ID",
  "Hub in the platform",
  "Hub in DPS",
  "Identity",
  "Last activity",
];
const TONE: Record<HubDriftKind, "warning" | "info" | "danger"> = {
  missing: "danger",
  disabled: "warning",
  orphan: "warning",
  "device-id-differs": "info",
  stale: "warning",
};

/** The last drift check's findings: the hub, the identity, where each side places the device, and for orphans the one action there is. */
export function DriftTable({
  findings,
  deletableHubs,
}: {
  findings: DriftFindingDto[];
  /** Hubs whose saved policy may delete identities, when the viewer may delete orphans. */
  deletableHubs: ReadonlySet<string>;
}) {
  const canDelete = deletableHubs.size > 0;
  return (
    <FindingsTableFrame
      label="Hub drift"
      headings={HEADINGS}
      canAct={canDelete}
      empty="Nothing matches: no drift of this kind. Clear the filters, or check the hubs again."
      rows={findings.map((f) => (
        <TableRow key={f.key}>
          <TableCell className="whitespace-nowrap font-mono text-xs">{f.hubHost}</TableCell>
          <TableCell className="whitespace-nowrap font-mono text-xs">
            <DeviceLink devicePk={f.devicePk}>{f.deviceId}</DeviceLink>
          </TableCell>
          <TableCell>
            <Badge tone={TONE[f.kind]} title={DRIFT_KIND_HINTS[f.kind]} className="whitespace-nowrap">
              {DRIFT_KIND_LABELS[f.kind]}
            </Badge>
          </TableCell>
          <TableCell className="whitespace-nowrap font-mono text-xs">{f.registrationId ?? none}</TableCell>
          <TableCell className="whitespace-nowrap font-mono text-xs">{f.platformHub ?? none}</TableCell>
          <TableCell className="whitespace-nowrap font-mono text-xs">{f.dpsHub ?? none}</TableCell>
          <TableCell className="text-xs">
            {f.identityStatus ? (
              <>
                {f.identityStatus}
                {f.statusReason ? <span className="text-muted-foreground"> ({f.statusReason})</span> : null}
              </>
            ) : (
              "none"
            )}
          </TableCell>
          <TableCell className="whitespace-nowrap text-xs">
            {f.lastActivityAt ? formatDateTime(f.lastActivityAt) : none}
          </TableCell>
          {canDelete ? (
            <TableCell>
              {f.kind === "orphan" && deletableHubs.has(f.hubHost) ? (
                <DeleteOrphanIdentityDialog hubHost={f.hubHost} deviceId={f.deviceId} />
              ) : null}
            </TableCell>
          ) : null}
        </TableRow>
      ))}
    />
  );
}
